/**
 * Published test figures to read a run's results against, each labelled with its dataset and
 * protocol. Numbers from another dataset or protocol are not comparable, so a run is shown only the
 * figure whose dataset and protocol it matches (referenceFor), and is told when there is none.
 */
import { modelLabel, type ModelKind } from '../../src/shared/modelKinds';
import type { ProtocolConfig, RunRecord } from '../../src/shared/runSchema';

/** A public dataset, recognised by what a run records about its data: the layout and the number of users. */
export interface ReferenceDataset {
  name: string;
  /** The layout the loader detects (run.json `fingerprint.layout`). */
  layout: string;
  /** Users in the ratings file (the split's users plus those it dropped). */
  users: number;
}

export const ML_1M: ReferenceDataset = { name: 'ML-1M', layout: 'movielens-dat', users: 6040 };
export const ML_20M: ReferenceDataset = { name: 'ML-20M', layout: 'movielens-csv', users: 138_493 };
const DATASETS = [ML_1M, ML_20M];

export interface ReferenceFigure {
  model: ModelKind;
  source: string;
  /** Dataset and evaluation protocol, shown next to the numbers. */
  protocol: string;
  /** Whether it uses the same protocol as this lab's runs (ML-1M, 600 + 600 held-out users, seed 98765). */
  sameProtocol: boolean;
  dataset: ReferenceDataset;
  /** The split the figures were measured on; a run matches when its protocol is this one. */
  split: ProtocolConfig & { seed?: number };
  ndcg100: number;
  recall20: number;
  recall50: number;
}

const PAPER = 'Liang et al., WWW 2018';
const PAPER_PROTOCOL = 'ML-20M, strong generalisation, 10k held-out users';
const PYTORCH = 'PyTorch reference';
const LAB_PROTOCOL = 'ML-1M, strong generalisation, 600 + 600 held-out users, seed 98765 (same as this lab)';
const LIANG = { minRating: 3.5, minUserItems: 5, targetFraction: 0.2 };
const PAPER_SPLIT = { ...LIANG, heldoutUsers: 10_000 };
const LAB_SPLIT = { ...LIANG, heldoutUsers: 600, seed: 98765 };

export const REFERENCE_FIGURES: readonly ReferenceFigure[] = [
  {
    model: 'mvae',
    source: PAPER,
    protocol: PAPER_PROTOCOL,
    sameProtocol: false,
    dataset: ML_20M,
    split: PAPER_SPLIT,
    ndcg100: 0.426,
    recall20: 0.395,
    recall50: 0.537,
  },
  {
    model: 'mdae',
    source: PAPER,
    protocol: PAPER_PROTOCOL,
    sameProtocol: false,
    dataset: ML_20M,
    split: PAPER_SPLIT,
    ndcg100: 0.419,
    recall20: 0.387,
    recall50: 0.524,
  },
  {
    model: 'mvae',
    source: PYTORCH,
    protocol: LAB_PROTOCOL,
    sameProtocol: true,
    dataset: ML_1M,
    split: LAB_SPLIT,
    ndcg100: 0.403,
    recall20: 0.337,
    recall50: 0.464,
  },
  {
    model: 'pop',
    source: PYTORCH,
    protocol: LAB_PROTOCOL,
    sameProtocol: true,
    dataset: ML_1M,
    split: LAB_SPLIT,
    ndcg100: 0.218,
    recall20: 0.169,
    recall50: 0.24,
  },
  // ../shared/bench/ref_ease.py (NumPy), lambda 500 chosen on validation.
  {
    model: 'ease',
    source: 'NumPy reference (ref_ease.py)',
    protocol: LAB_PROTOCOL,
    sameProtocol: true,
    dataset: ML_1M,
    split: LAB_SPLIT,
    ndcg100: 0.436,
    recall20: 0.367,
    recall50: 0.481,
  },
  // The paper's table reports EASE on ML-20M under Liang et al.'s protocol.
  {
    model: 'ease',
    source: 'Steck, WWW 2019',
    protocol: PAPER_PROTOCOL,
    sameProtocol: false,
    dataset: ML_20M,
    split: PAPER_SPLIT,
    ndcg100: 0.42,
    recall20: 0.391,
    recall50: 0.521,
  },
  // ilya-shenbin/RecVAE run with its defaults on this lab's split, twice (issue 17).
  {
    model: 'recvae',
    source: 'official code (PyTorch), run 1',
    protocol: LAB_PROTOCOL,
    sameProtocol: true,
    dataset: ML_1M,
    split: LAB_SPLIT,
    ndcg100: 0.427,
    recall20: 0.367,
    recall50: 0.486,
  },
  {
    model: 'recvae',
    source: 'official code (PyTorch), run 2',
    protocol: LAB_PROTOCOL,
    sameProtocol: true,
    dataset: ML_1M,
    split: LAB_SPLIT,
    ndcg100: 0.434,
    recall20: 0.368,
    recall50: 0.483,
  },
  {
    model: 'recvae',
    source: 'Shenbin et al., WSDM 2020',
    protocol: PAPER_PROTOCOL,
    sameProtocol: false,
    dataset: ML_20M,
    split: PAPER_SPLIT,
    ndcg100: 0.442,
    recall20: 0.414,
    recall50: 0.553,
  },
];

/** Figures for a model, same-protocol ones first. */
export function referencesFor(model: ModelKind): ReferenceFigure[] {
  return REFERENCE_FIGURES.filter((r) => r.model === model).sort((a, b) => Number(b.sameProtocol) - Number(a.sameProtocol));
}

/**
 * The public dataset a run was trained on, if any: MovieLens-1M downloaded by the lab, or data whose
 * detected layout and number of users are a known dataset's. Undefined when the run does not say
 * (no fingerprint or split yet) or the data is another.
 */
export function datasetOf(r: RunRecord): ReferenceDataset | undefined {
  if (r.config?.data?.source === 'ml-1m') return ML_1M;
  const layout = r.fingerprint?.layout;
  const s = r.split;
  if (!layout || !s) return undefined;
  const users = s.trainUsers + s.validationUsers + s.testUsers + s.droppedUsers;
  return DATASETS.find((d) => d.layout === layout && d.users === users);
}

/** The figure a run can be read against, with how close its split is; or why there is none. */
export type ReferenceMatch = { figure: ReferenceFigure; sameSplit: boolean } | { none: string };

const sameProtocol = (p: ProtocolConfig | undefined, q: ProtocolConfig): boolean =>
  p !== undefined &&
  p.minRating === q.minRating &&
  p.minUserItems === q.minUserItems &&
  p.heldoutUsers === q.heldoutUsers &&
  p.targetFraction === q.targetFraction;

export function referenceFor(r: RunRecord): ReferenceMatch {
  const dataset = datasetOf(r);
  if (!dataset) return { none: 'no published reference for this dataset' };
  const onData = REFERENCE_FIGURES.filter((f) => f.dataset === dataset);
  const forModel = onData.filter((f) => f.model === r.model);
  if (forModel.length === 0) return { none: `no published ${modelLabel(r.model)} reference on ${dataset.name}` };
  const figure = forModel.find((f) => sameProtocol(r.config?.protocol, f.split));
  if (!figure) {
    const f = forModel[0];
    return {
      none: `the ${dataset.name} reference uses ${f.split.heldoutUsers} + ${f.split.heldoutUsers} held-out users and ratings above ${f.split.minRating}: another protocol`,
    };
  }
  return { figure, sameSplit: figure.split.seed === undefined || figure.split.seed === r.config.seed };
}
