/**
 * RecVAE's pieces (src/trainer/model/recvaeMath.ts) against values worked out by hand (each
 * commented with its arithmetic), and their derivatives against central differences.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LAYER_NORM_EPS,
  PRIOR_WEIGHTS,
  WIDE_LOGVAR,
  compositeKl,
  layerNorm,
  layerNormBackward,
  logNormal,
  mulSwishGrad,
  swish,
} from '../../src/trainer/model/recvaeMath';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

describe('RecVAE pieces', () => {
  it("the reference's constants: mixture 3/20, 3/4, 1/10; wide log-variance 10; layer norm eps 0.1", () => {
    assert.deepEqual([...PRIOR_WEIGHTS], [3 / 20, 3 / 4, 1 / 10]);
    assert.equal(WIDE_LOGVAR, 10);
    assert.equal(LAYER_NORM_EPS, 0.1);
    close(logNormal(0, 0, 0), -0.5 * Math.log(2 * Math.PI));
  });

  it('swish and its derivative', () => {
    const out = new Float32Array(3);
    swish(Float32Array.from([1, -2, 0]), out);
    // 1 sigmoid(1) = 1 / (1 + e^-1); -2 sigmoid(-2) = -2 / (1 + e^2).
    close(out[0], 0.7310585786);
    close(out[1], -0.238405844);
    assert.equal(out[2], 0);
    const d = Float32Array.from([1, 1, 1]);
    mulSwishGrad(d, Float32Array.from([1, -2, 0]));
    // sigmoid(a) (1 + a (1 - sigmoid(a))): 0.7310586 x 1.2689414 at 1; 0.1192029 x (1 - 2 x 0.8807971) at -2; 1/2 at 0.
    close(d[0], 0.9276705119);
    close(d[1], -0.0907842488);
    close(d[2], 0.5);
  });

  it('layer normalisation with eps 0.1, and its backward pass', () => {
    // Row [1, 2, 3]: mean 2, biased variance 2/3, 1 / sqrt(2/3 + 0.1) = 1.1420805; gain [1, 2, 1], bias [0, 0, 1].
    const x = Float32Array.from([1, 2, 3, 5, 5, 5]);
    const gain = Float32Array.from([1, 2, 1]);
    const bias = Float32Array.from([0, 0, 1]);
    const xhat = new Float32Array(6);
    const rstd = new Float32Array(2);
    const y = new Float32Array(6);
    layerNorm(x, 2, 3, gain, bias, xhat, rstd, y);
    close(rstd[0], 1.1420804814);
    close(y[0], -1.1420804814);
    close(y[1], 0);
    close(y[2], 2.1420804814);
    // A constant row normalises to zero: its output is the bias, whatever the eps.
    assert.deepEqual(Array.from(y.subarray(3)), [0, 0, 1]);
    close(rstd[1], 1 / Math.sqrt(0.1));

    // Against central differences of L = sum(y * c) on the first row.
    const c = [0.3, -1.2, 0.7];
    const loss = (xs: number[]) => {
      const out = new Float32Array(3);
      layerNorm(Float32Array.from(xs), 1, 3, gain, bias, new Float32Array(3), new Float32Array(1), out);
      return out.reduce((s, v, i) => s + v * c[i], 0);
    };
    const dy = Float32Array.from(c);
    const dGain = new Float32Array(3);
    const dBias = new Float32Array(3);
    layerNormBackward(dy, 1, 3, gain, xhat.subarray(0, 3), rstd.subarray(0, 1), dGain, dBias);
    for (let i = 0; i < 3; i++) {
      const h = 1e-3;
      const plus = [1, 2, 3].map((v, k) => (k === i ? v + h : v));
      const minus = [1, 2, 3].map((v, k) => (k === i ? v - h : v));
      close(dy[i], (loss(plus) - loss(minus)) / (2 * h), 1e-3);
    }
    assert.deepEqual(
      Array.from(dBias),
      c.map((v) => Math.fround(v)),
    );
    for (let i = 0; i < 3; i++) close(dGain[i], c[i] * xhat[i]);
  });

  describe('the composite prior', () => {
    const run = (z: number, mu: number, lv: number, muOld: number, lvOld: number, grads = false) => {
      const dz = new Float32Array(1);
      const dO = new Float32Array(2);
      const kl = compositeKl(
        Float32Array.from([z]),
        { o: Float32Array.from([mu, lv]), latent: 1 },
        { o: Float32Array.from([muOld, lvOld]), latent: 1 },
        1,
        Float64Array.from([1]),
        grads ? { dz, dO } : null,
      );
      return { kl, dz: dz[0], dMu: dO[0], dLv: dO[1] };
    };

    it('KL at the origin: log N(0; 0, 1) - log(3/20 N(0; 0, 1) + 3/4 N(0; 0, 1) + 1/10 N(0; 0, e^10)) = -log(0.9 + 0.1 e^-5)', () => {
      close(run(0, 0, 0, 0, 0).kl, 0.104612135);
    });

    it('KL away from it: z 0.5, q = N(0.2, e^-1), q_old = N(-0.3, e^0.4)', () => {
      // log q = -(-1 + log 2pi + 0.3^2 e) / 2 = -0.5412612; the components: log 0.15 - (log 2pi + 0.25) / 2 = -2.9410585,
      // log 0.75 - (0.4 + log 2pi + 0.8^2 e^-0.4) / 2 = -1.6211230, log 0.1 - (10 + log 2pi + 0.25 e^-10) / 2 = -8.2215293;
      // log p = logsumexp of the three = -1.3832782; KL = log q - log p.
      close(run(0.5, 0.2, -1, -0.3, 0.4).kl, 0.8420169699);
    });

    it('rows are weighted (gamma |x|) and summed; perRow keeps each unweighted', () => {
      const perRow = new Float64Array(2);
      const total = compositeKl(
        Float32Array.from([0, 0.5]),
        { o: Float32Array.from([0, 0, 0.2, -1]), latent: 1 },
        { o: Float32Array.from([0, 0, -0.3, 0.4]), latent: 1 },
        2,
        Float64Array.from([2, 0.5]),
        null,
        perRow,
      );
      close(perRow[0], 0.104612135);
      close(perRow[1], 0.8420169699);
      close(total, 2 * 0.104612135 + 0.5 * 0.8420169699);
    });

    it('its derivatives in z, mu and logvar match central differences', () => {
      const at = [0.5, 0.2, -1, -0.3, 0.4] as const;
      const g = run(...at, true);
      // Steps well above float32's resolution at these values (the inputs are Float32Arrays).
      const h = 1e-3;
      const diff = (i: number) => {
        const plus = [...at] as [number, number, number, number, number];
        const minus = [...at] as [number, number, number, number, number];
        plus[i] += h;
        minus[i] -= h;
        return (run(...plus).kl - run(...minus).kl) / (2 * h);
      };
      close(g.dz, diff(0), 1e-4);
      close(g.dMu, diff(1), 1e-4);
      close(g.dLv, diff(2), 1e-4);
    });
  });
});
