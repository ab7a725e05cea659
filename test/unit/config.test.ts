import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autoHeldoutUsers, DEFAULT_CONFIG, makeConfig } from '../../src/shared/trainConfig';

test('defaults follow Liang et al.: batch 500, Adam 1e-3, [I-600-200-600-I], dropout 0.5, beta cap 0.2', () => {
  const c = makeConfig('mvae', 'ml-1m');
  assert.equal(c.batchSize, 500);
  assert.equal(c.learningRate, 1e-3);
  assert.equal(c.hidden, 600);
  assert.equal(c.latent, 200);
  assert.equal(c.dropout, 0.5);
  assert.equal(c.annealCap, 0.2);
  assert.equal(c.protocol.minRating, 3.5);
  assert.equal(c.data.source, 'ml-1m');
  assert.deepEqual(DEFAULT_CONFIG.protocol, c.protocol);
});

test('auto held-out users: 600 on ML-1M, 10,000 on ML-20M, 10% on small data', () => {
  assert.equal(autoHeldoutUsers(6038), 600);
  assert.equal(autoHeldoutUsers(136677), 10000);
  assert.equal(autoHeldoutUsers(943), 94);
  assert.equal(autoHeldoutUsers(5), 1);
});

test('overrides are validated with messages that name the field', () => {
  assert.equal(makeConfig('mdae', 'x', { epochs: 7, protocol: { heldoutUsers: 50 } }).protocol.heldoutUsers, 50);
  assert.throws(() => makeConfig('mvae', 'x', { epochs: 0 }), /epochs must be at least 1/);
  assert.throws(() => makeConfig('mvae', 'x', { learningRate: 0 }), /learningRate must be above 0/);
  assert.throws(() => makeConfig('mvae', 'x', { dropout: 'high' }), /dropout must be a number/);
  assert.throws(() => makeConfig('mvae', 'x', { epochz: 3 }), /unknown hyperparameter "epochz"/);
  assert.throws(() => makeConfig('mvae', 'x', { backend: 'gpu' }), /unknown backend/);
  assert.throws(() => makeConfig('svd' as never, 'x'), /unknown model/);
  assert.throws(() => makeConfig('mvae', ''), /dataset/);
  assert.throws(() => makeConfig('mvae', 'x', []), /JSON object/);
  assert.throws(() => makeConfig('mvae', 'x', { protocol: { targetFraction: 0 } }), /targetFraction/);
});
