/** SVAE's configuration: its own defaults, validation of its fields, and Mult-VAE's config unchanged. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, DEFAULT_CONFIG, autoHeldoutUsers, makeConfig } from '../../src/shared/trainConfig';

test("svae gets the reference's settings by default, every one overridable", () => {
  const c = makeConfig('svae', 'ml-1m');
  assert.equal(c.epochs, 25);
  assert.equal(c.hidden, 150);
  assert.equal(c.latent, 64);
  assert.equal(c.embedding, 256);
  assert.equal(c.rnn, 200);
  assert.equal(c.nextK, 4);
  assert.equal(c.maxLength, 1000);
  assert.equal(c.weightDecay, 5e-3);
  assert.equal(c.dropout, 0);
  assert.equal(makeConfig('svae', 'ml-1m', { nextK: 1, maxLength: 200, epochs: 3 }).nextK, 1);
});

test('svae fields are validated, and refused for the other models', () => {
  assert.throws(() => makeConfig('svae', 'ml-1m', { nextK: 0 }), ConfigError);
  assert.throws(() => makeConfig('svae', 'ml-1m', { maxLength: 1 }), ConfigError);
  assert.throws(() => makeConfig('svae', 'ml-1m', { weightDecay: -1 }), ConfigError);
  assert.throws(() => makeConfig('svae', 'ml-1m', { rnn: 1.5 }), ConfigError);
  assert.throws(() => makeConfig('mvae', 'ml-1m', { maxLength: 100 }), /maxLength applies to svae only/);
});

test('Mult-VAE keeps its defaults and has no svae fields', () => {
  const c = makeConfig('mvae', 'ml-1m');
  assert.equal(c.epochs, DEFAULT_CONFIG.epochs);
  assert.equal(c.hidden, 600);
  for (const k of ['embedding', 'rnn', 'nextK', 'maxLength', 'weightDecay']) assert.ok(!(k in c), k);
});

test('held-out users: 750 for svae on ML-1M as the reference, at most 1/8 of small data', () => {
  assert.equal(autoHeldoutUsers(6034, 'svae'), 750);
  assert.equal(autoHeldoutUsers(200, 'svae'), 25);
  assert.equal(autoHeldoutUsers(6034), 600);
});
