/**
 * The JSON Schema of sweep files, built from the same tables the validator uses (configuration keys,
 * models, metrics), so the editor's completion and the CLI agree. `resources/sweep.schema.json` is
 * this object written out (`node --import tsx scripts/gen-sweep-schema.ts`; a unit test checks the
 * file is current); package.json registers it for `*.sweep.json`. The validator (parseSweepSpec)
 * stays the authority: it also checks ranges and combinations a schema cannot express.
 */
import { CONFIG_KEYS, type ConfigKey } from './configKeys';
import { MODEL_KINDS } from './modelKinds';
import { GRID_TRIAL_LIMIT, SWEEP_METRICS } from './sweepSchema';

type Schema = Record<string, unknown>;

function valueSchema(k: ConfigKey): Schema {
  if (k.type === 'choice') return { type: 'string', enum: [...(k.choices ?? [])] };
  if (k.type === 'numberList') return { type: 'array', items: { type: 'number' } };
  return { type: k.type === 'int' ? 'integer' : 'number' };
}

const describe = (k: ConfigKey) => `${k.description}${k.models ? ` (${k.models.join(', ')} only)` : ''}. \`vaerec train --${k.flag}\`.`;

function parameterSchema(k: ConfigKey): Schema {
  const values: Schema = {
    type: 'object',
    description: 'Grid (or random draws from the list): the values to try.',
    required: ['values'],
    additionalProperties: false,
    properties: { values: { type: 'array', minItems: 1, items: valueSchema(k) } },
  };
  if (k.type === 'choice') return { description: describe(k), ...values };
  const range: Schema = {
    type: 'object',
    description: 'Random search: a range to draw from.',
    required: ['min', 'max'],
    additionalProperties: false,
    properties: {
      min: { type: 'number' },
      max: { type: 'number' },
      scale: { enum: ['linear', 'log'], default: 'linear', description: 'log: uniform in log space (min > 0).' },
      integer: { type: 'boolean', description: 'Draw integers (always so for integer keys).' },
    },
  };
  return { description: describe(k), oneOf: [values, range] };
}

function baseSchema(): Schema {
  const top = CONFIG_KEYS.filter((k) => !k.key.includes('.'));
  const protocol = CONFIG_KEYS.filter((k) => k.key.startsWith('protocol.'));
  return {
    type: 'object',
    description: 'Configuration shared by every trial: any key `vaerec train` accepts (see its flags).',
    additionalProperties: false,
    properties: {
      ...Object.fromEntries(top.map((k) => [k.key, { ...valueSchema(k), description: describe(k) }])),
      protocol: {
        type: 'object',
        additionalProperties: false,
        properties: Object.fromEntries(protocol.map((k) => [k.key.slice('protocol.'.length), { ...valueSchema(k), description: describe(k) }])),
      },
      data: {
        type: 'object',
        description: 'Options of a generic CSV/TSV dataset (the dataset itself is "dataset").',
        additionalProperties: false,
        properties: {
          columns: { type: 'object', description: 'Column names or 0-based indices: user, item, rating[, timestamp].' },
          delimiter: { type: 'string' },
          hasHeader: { type: 'boolean' },
          onBadRow: { enum: ['error', 'skip'] },
        },
      },
    },
  };
}

const int = (min: number, description: string, extra: Schema = {}): Schema => ({ type: 'integer', minimum: min, description, ...extra });

export function sweepJsonSchema(): Schema {
  // A list of candidates (EASE's lambdas) is tried within one run: a sweep varies the single value instead.
  const sweepable = CONFIG_KEYS.filter((k) => k.key !== 'seed' && k.type !== 'numberList');
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'vaerec sweep',
    description: 'A hyperparameter search run by `vaerec sweep run FILE`. See docs/SWEEPS.md.',
    type: 'object',
    required: ['name', 'model', 'dataset'],
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      $comment: {
        description: 'Notes for the reader (JSON has no comments): one string or a list of lines. Ignored by vaerec.',
        oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
      },
      name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'Names the sweep and its folder (.vaerec/sweeps/<name>-<time>).' },
      model: { enum: [...MODEL_KINDS] },
      dataset: { type: 'string', description: 'ml-1m, or a MovieLens folder or CSV/TSV file; a relative path is relative to this file.', examples: ['ml-1m'] },
      base: baseSchema(),
      parameters: {
        type: 'object',
        description: 'What to search, by configuration key (nested keys dotted, e.g. protocol.heldoutUsers). The seed is set by "repeats".',
        additionalProperties: false,
        properties: Object.fromEntries(sweepable.map((k) => [k.key, parameterSchema(k)])),
      },
      method: {
        enum: ['grid', 'random'],
        default: 'grid',
        description: `grid: every combination of the value lists (more than ${GRID_TRIAL_LIMIT} trials needs --yes); random: "trials" draws.`,
      },
      trials: int(1, 'Random search: how many configurations to draw.'),
      seed: int(0, 'Random search: seed of the draws (the training seed is base.seed).', { default: 0 }),
      repeats: int(1, 'Trials per configuration, with seeds base.seed, base.seed + 1, ...', { default: 1 }),
      metric: {
        description: 'What is optimised: a figure of the epoch lines of metrics.jsonl.',
        default: 'val_ndcg@100',
        oneOf: [
          { enum: [...SWEEP_METRICS] },
          {
            type: 'object',
            additionalProperties: false,
            required: ['name'],
            properties: { name: { enum: [...SWEEP_METRICS] }, goal: { enum: ['max', 'min'], description: 'Default: max for val_ndcg@100, min for losses.' } },
          },
        ],
      },
      earlyStopping: {
        default: 'none',
        oneOf: [
          { const: 'none' },
          { type: 'object', additionalProperties: false, required: ['type'], properties: { type: { const: 'none' } } },
          {
            type: 'object',
            description: 'ASHA (stop variant): rungs at graceEpochs x reductionFactor^k; a trial goes on only in the top 1/reductionFactor of its rung.',
            additionalProperties: false,
            required: ['type', 'graceEpochs'],
            properties: {
              type: { const: 'asha' },
              graceEpochs: int(1, 'The first rung.'),
              reductionFactor: { type: 'number', exclusiveMinimum: 1, default: 3 },
              maxEpochs: int(1, "Every trial's epochs (default base.epochs)."),
            },
          },
          {
            type: 'object',
            description: "Median rule: from afterEpochs on, stop a trial whose best metric is worse than the median of the others' at the same epoch.",
            additionalProperties: false,
            required: ['type', 'afterEpochs'],
            properties: {
              type: { const: 'median' },
              afterEpochs: int(1, 'The first epoch the rule judges.'),
              minTrials: int(1, 'Other trials that must have reached the epoch.', { default: 1 }),
            },
          },
        ],
      },
      executor: {
        default: { type: 'local', concurrency: 'auto' },
        oneOf: [
          {
            type: 'object',
            additionalProperties: false,
            required: ['type'],
            properties: {
              type: { const: 'local' },
              concurrency: { oneOf: [{ const: 'auto' }, int(1, 'Trials at once.')], default: 'auto' },
              threadsPerTrial: { enum: [1, 2], description: 'Training threads per trial (default: chosen with the concurrency).' },
            },
          },
          {
            type: 'object',
            description: 'One sbatch job per trial; the runs directory must be on a file system the nodes share.',
            additionalProperties: false,
            required: ['type'],
            properties: {
              type: { const: 'slurm' },
              partition: { type: 'string' },
              cpusPerTask: int(1, 'Two or more: the trainer uses two threads.', { default: 1 }),
              gpus: { oneOf: [int(1, 'sbatch --gpus'), { type: 'string', description: 'sbatch --gpus, e.g. "a100:1"' }] },
              time: { type: 'string', description: 'sbatch --time, e.g. "02:00:00"' },
              mem: { type: 'string', description: 'sbatch --mem, e.g. "4G"' },
              sbatchArgs: { type: 'array', items: { type: 'string', pattern: '^-' }, description: 'More #SBATCH options, e.g. ["--account=lab"].' },
              nodePath: { type: 'string', description: "Node.js on the compute nodes (default: the coordinator's)." },
              maxJobs: int(1, 'Jobs queued or running at once (default: all trials).'),
            },
          },
        ],
      },
      budget: {
        type: 'object',
        additionalProperties: false,
        properties: {
          maxTrials: int(1, 'Run only the first maxTrials trials of the list.'),
          maxHours: { type: 'number', exclusiveMinimum: 0, description: 'Start no trial after this many hours of sweeping (running trials finish).' },
        },
      },
    },
  };
}
