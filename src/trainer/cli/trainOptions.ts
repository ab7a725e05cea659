/**
 * `vaerec train`'s configuration flags, derived from the configuration-key table (one flag per key),
 * and `--config FILE.json` (a full or partial configuration; flags win). Turns parsed options into
 * the validated TrainConfig the trainer receives.
 */
import { type Command, InvalidArgumentError } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_KEYS, flagProperty, mergeConfigs, parseConfigValue, setConfigValue } from '../../shared/configKeys';
import { MODEL_KINDS, type ModelKind } from '../../shared/modelKinds';
import type { RunSweepTag, TrainConfig } from '../../shared/runSchema';
import { isRecord, parseRunSweepTag } from '../../shared/runSchema';
import { ConfigError, makeConfig, numberRule } from '../../shared/trainConfig';

export function addConfigOptions(cmd: Command): Command {
  cmd
    .option('--data <dir|file|ml-1m>', 'a MovieLens directory (any layout), a CSV/TSV file, or ml-1m (downloaded once into the cache)')
    .option('--model <kind>', `model: ${MODEL_KINDS.join(', ')} (default mvae)`)
    .option('--config <file.json>', "a full or partial configuration (as a run's config in run.json); flags given as well win");
  for (const k of CONFIG_KEYS) {
    const placeholder = k.type === 'choice' ? (k.choices ?? []).join('|') : k.type === 'int' ? 'n' : k.type === 'numberList' ? 'x,y,...' : 'x';
    const description = k.models ? `${k.models.join(', ')}: ${k.description}` : k.description;
    cmd.option(`--${k.flag} <${placeholder}>`, `${description} [${k.key}]`, (text: string) => {
      const parsed = parseConfigValue(k, text);
      // A bad number states the range at once ("--epochs must be an integer >= 1"); the rest of the
      // range (its maximum) is makeConfig's to check, as for --config and sweep files.
      const rule = numberRule(k.key);
      const below =
        rule &&
        typeof parsed === 'object' &&
        'value' in parsed &&
        typeof parsed.value === 'number' &&
        (parsed.value < rule.min || (rule.exclusiveMin && parsed.value === rule.min));
      if (rule && !rule.list && ('reason' in parsed || below))
        throw new InvalidArgumentError(`--${k.flag} must be ${rule.integer ? 'an integer' : 'a number'} ${rule.exclusiveMin ? '>' : '>='} ${rule.min}`);
      if ('reason' in parsed) throw new InvalidArgumentError(parsed.reason);
      return parsed.value;
    });
  }
  return cmd
    .option('--columns <user,item,rating[,timestamp]>', 'generic CSV/TSV: column names or 0-based indices')
    .option('--delimiter <d>', 'generic CSV/TSV: field delimiter (default: sniffed)')
    .option('--skip-bad-rows', 'skip malformed rows (each reported) instead of stopping at the first')
    .option('--sweep-trial <json>', 'the sweep trial this run is (written by `vaerec sweep`; recorded in run.json)');
}

/** Reads `--config`: a JSON object; a relative data source in it is relative to the file. */
export function readConfigFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ConfigError(`--config ${file}: ${e.code === 'ENOENT' ? 'no such file' : e instanceof SyntaxError ? `not valid JSON (${e.message})` : e.message}`);
  }
  if (!isRecord(parsed)) throw new ConfigError(`--config ${file}: must be a JSON object`);
  if (isRecord(parsed.data) && typeof parsed.data.source === 'string' && parsed.data.source !== 'ml-1m' && !path.isAbsolute(parsed.data.source)) {
    return { ...parsed, data: { ...parsed.data, source: path.resolve(path.dirname(file), parsed.data.source) } };
  }
  return parsed;
}

export interface TrainInvocation {
  config: TrainConfig;
  sweep?: RunSweepTag;
}

/**
 * The configuration of a `vaerec train` invocation: the --config file, then every flag the user
 * gave (commander's `source` tells a typed flag from a default).
 */
export function configFromOptions(o: Record<string, unknown>, given: (name: string) => boolean): TrainInvocation {
  const file = typeof o.config === 'string' ? readConfigFile(path.resolve(o.config)) : {};
  const flags: Record<string, unknown> = {};
  for (const k of CONFIG_KEYS) {
    const v = o[flagProperty(k.flag)];
    if (v !== undefined && given(flagProperty(k.flag))) setConfigValue(flags, k.key, v);
  }
  const dataFlags: Record<string, unknown> = {};
  if (typeof o.columns === 'string') {
    const cols = o.columns.split(',').map((c) => (/^\d+$/.test(c.trim()) ? Number(c) : c.trim()));
    if (cols.length < 3 || cols.length > 4) throw new ConfigError('--columns takes user,item,rating[,timestamp]');
    dataFlags.columns = { user: cols[0], item: cols[1], rating: cols[2], ...(cols[3] !== undefined ? { timestamp: cols[3] } : {}) };
  }
  if (typeof o.delimiter === 'string') dataFlags.delimiter = o.delimiter === '\\t' ? '\t' : o.delimiter;
  if (o.skipBadRows) dataFlags.onBadRow = 'skip';
  if (typeof o.data === 'string') dataFlags.source = o.data === 'ml-1m' ? o.data : path.resolve(o.data);
  const merged = mergeConfigs(file, flags, Object.keys(dataFlags).length ? { data: dataFlags } : {});
  const model = (typeof o.model === 'string' ? o.model : typeof merged.model === 'string' ? merged.model : 'mvae') as ModelKind;
  const overrides = { ...merged };
  delete overrides.model;
  delete overrides.data;
  const dataOptions = isRecord(merged.data) ? { ...merged.data } : {};
  const source = dataOptions.source;
  if (typeof source !== 'string' || source.length === 0) throw new ConfigError('a dataset is required: --data DIR|FILE|ml-1m (or data.source in --config)');
  delete dataOptions.source;
  const config = makeConfig(model, source, { ...overrides, ...(Object.keys(dataOptions).length ? { data: dataOptions } : {}) });
  let sweep: RunSweepTag | undefined;
  if (typeof o.sweepTrial === 'string') {
    let tag: unknown;
    try {
      tag = JSON.parse(o.sweepTrial);
    } catch {
      tag = undefined;
    }
    sweep = parseRunSweepTag(tag);
    if (!sweep) throw new ConfigError('--sweep-trial must be a JSON object {sweepId, trial, attempt, seedIndex, parameters}');
  }
  return { config, ...(sweep ? { sweep } : {}) };
}
