/**
 * The shared kernels (src/trainer/model/kernels/) on their own: each product in both of its forms
 * (which operand is packed), and the dense layer, the Gaussian latent and the softmax output layer
 * (both ways of applying its gradient, over more than one chunk) against TensorFlow.js autodiff.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
// Gradient definitions are opt-in in tfjs-core; only the reference implementations need them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { selectBackend } from '../../src/trainer/backend';
import { Activation, denseBackward, denseForward } from '../../src/trainer/model/kernels/dense';
import { tanh } from '../../src/trainer/model/kernels/elementwise';
import { gaussianBackward, gaussianForward } from '../../src/trainer/model/kernels/gaussian';
import { Uploads, packsA, productABt, productAtB, productTensor } from '../../src/trainer/model/kernels/products';
import { GradientWay, OUTPUT_CHUNK_ROWS, Targets, cheaperWay, softmaxOutputTrain } from '../../src/trainer/model/kernels/softmaxOutput';
import { Workspace } from '../../src/trainer/model/kernels/workspace';
import { Rng } from '../../src/shared/rng';

function normals(n: number, rng: Rng, std = 1): Float32Array {
  const a = new Float32Array(n);
  rng.fillNormal(a, std);
  return a;
}

function relativeError(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    ref += b[i] ** 2;
  }
  return Math.sqrt(diff) / Math.max(Math.sqrt(ref), 1e-12);
}

/** a^T b in double precision, a rows x ka, b rows x kb. */
function atb(a: Float32Array, b: Float32Array, rows: number, ka: number, kb: number): Float32Array {
  const out = new Float32Array(ka * kb);
  for (let i = 0; i < ka; i++)
    for (let j = 0; j < kb; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += a[r * ka + i] * b[r * kb + j];
      out[i * kb + j] = s;
    }
  return out;
}

/** d(f)/d(each input) by autodiff, f built from tensors of the given values and shapes. */
function autodiff(inputs: { values: Float32Array; shape: number[] }[], f: (...xs: tf.Tensor[]) => tf.Scalar): { value: number; grads: Float32Array[] } {
  const xs = inputs.map((x) => tf.tensor(x.values, x.shape));
  const { value, grads } = tf.valueAndGrads(f)(xs);
  const out = { value: value.dataSync()[0], grads: grads.map((g) => new Float32Array(g.dataSync())) };
  tf.dispose([value, ...grads, ...xs]);
  return out;
}

describe('shared kernels', () => {
  before(async () => {
    await selectBackend('wasm', () => undefined);
  });

  it('tanh agrees with Math.tanh in float32, from tiny to saturated values', () => {
    const rng = new Rng(9);
    const xs = Float32Array.from({ length: 20000 }, (_, i) => (rng.uniform() * 2 - 1) * 10 ** ((i % 9) - 6));
    const extremes = [0, -0, 1e-30, -1e-30, 20, -20, 400, -400, Infinity, -Infinity];
    const ours = Float32Array.from([...xs, ...extremes], tanh);
    const want = Float32Array.from([...xs, ...extremes], Math.tanh);
    assert.deepEqual(ours, want);
    assert.ok(Number.isNaN(tanh(Number.NaN)));
  });

  it('productAtB gives a^T b whichever operand it packs, and accumulates', () => {
    const rng = new Rng(1);
    // (rows, ka, kb): b packed (kb <= ka; kb > ka with few rows), a packed (many rows, kb >> ka; b beyond L2).
    const cases: [number, number, number][] = [
      [30, 9, 5],
      [4, 5, 40],
      [300, 4, 60],
      [70, 20, 4000],
    ];
    assert.deepEqual(
      cases.map(([r, ka, kb]) => packsA(r, ka, kb)),
      [false, false, true, true],
    );
    for (const [rows, ka, kb] of cases) {
      const a = normals(rows * ka, rng);
      const b = normals(rows * kb, rng);
      const want = atb(a, b, rows, ka, kb);
      const out = new Float32Array(ka * kb).fill(Number.NaN);
      productAtB(a, b, rows, ka, kb, out);
      assert.ok(relativeError(out, want) <= 1e-6, `a^T b for ${rows} x ${ka}, ${kb}`);
      productAtB(a, b, rows, ka, kb, out, true);
      assert.ok(
        relativeError(
          out,
          want.map((v) => 2 * v),
        ) <= 1e-6,
        `accumulated a^T b for ${rows} x ${ka}, ${kb}`,
      );
    }
  });

  it('productTensor gives a W packing W, or a^T when W is too large for L2', () => {
    const rng = new Rng(8);
    const [k, n] = [512, 520];
    const w = normals(k * n, rng);
    for (const rows of [3, 520]) {
      const a = normals(rows * k, rng);
      // The plain product on the backend is the reference for the transposed form.
      const wantT = tf.tidy(() => tf.matMul(tf.tensor2d(a, [rows, k]), tf.tensor2d(w, [k, n])));
      const want = wantT.dataSync() as Float32Array;
      wantT.dispose();
      const up = new Uploads();
      try {
        const t = tf.tidy(() => productTensor(a, rows, up.matrix(w, k, n), up));
        assert.deepEqual(t.shape, [rows, n]);
        assert.ok(relativeError(t.dataSync() as Float32Array, want) <= 1e-6, `${rows} rows`);
        t.dispose();
      } finally {
        up.dispose();
      }
    }
  });

  it('productABt gives a W^T packing either W^T or a^T', () => {
    const rng = new Rng(2);
    const [n, k] = [7, 5];
    const w = normals(n * k, rng);
    for (const rows of [3, 20]) {
      const a = normals(rows * k, rng);
      const want = new Float32Array(rows * n);
      for (let r = 0; r < rows; r++) for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) want[r * n + i] += a[r * k + c] * w[i * k + c];
      const up = new Uploads();
      try {
        const out = productABt(a, rows, up.matrix(w, n, k), up, new Float32Array(rows * n).fill(Number.NaN));
        assert.ok(relativeError(out, want) <= 1e-6, `${rows} rows`);
      } finally {
        up.dispose();
      }
    }
  });

  for (const act of ['linear', 'tanh'] as Activation[]) {
    it(`a dense layer (${act}) matches autodiff, with fewer and more rows than inputs`, () => {
      const rng = new Rng(act === 'tanh' ? 3 : 4);
      const [fanIn, fanOut] = [6, 4];
      const p = { w: normals(fanIn * fanOut, rng, 0.5), b: normals(fanOut, rng, 0.5) };
      for (const rows of [3, 11]) {
        const x = normals(rows * fanIn, rng);
        const weights = normals(rows * fanOut, rng); // loss = sum(y * weights)
        const layer = { fanIn, fanOut, act };
        const up = new Uploads();
        try {
          const y = denseForward(layer, p, up, x, rows, new Float32Array(rows * fanOut));
          const g = { w: new Float32Array(fanIn * fanOut).fill(Number.NaN), b: new Float32Array(fanOut).fill(Number.NaN) };
          const dx = new Float32Array(rows * fanIn).fill(Number.NaN);
          denseBackward(layer, p, up, x, y, weights.slice(), rows, g, dx);
          const ref = autodiff(
            [
              { values: x, shape: [rows, fanIn] },
              { values: p.w, shape: [fanIn, fanOut] },
              { values: p.b, shape: [fanOut] },
            ],
            (xt, wt, bt) => {
              const pre = tf.add(tf.matMul(xt as tf.Tensor2D, wt as tf.Tensor2D), bt);
              return tf.sum(tf.mul(act === 'tanh' ? tf.tanh(pre) : pre, tf.tensor2d(weights, [rows, fanOut])));
            },
          );
          let loss = 0;
          for (let i = 0; i < y.length; i++) loss += y[i] * weights[i];
          assert.ok(Math.abs(loss - ref.value) <= 1e-5 * Math.max(1, Math.abs(ref.value)), `forward, ${rows} rows`);
          assert.ok(relativeError(dx, ref.grads[0]) <= 1e-5, `dx, ${rows} rows`);
          assert.ok(relativeError(g.w, ref.grads[1]) <= 1e-5, `dW, ${rows} rows`);
          assert.ok(relativeError(g.b, ref.grads[2]) <= 1e-5, `db, ${rows} rows`);
        } finally {
          up.dispose();
        }
      }
    });
  }

  it('the Gaussian latent matches autodiff of its sample and weighted KL', () => {
    const rng = new Rng(5);
    const [rows, Z, beta] = [5, 3, 0.4];
    const o = normals(rows * 2 * Z, rng, 0.7);
    const eps = normals(rows * Z, rng);
    const dzWeights = normals(rows * Z, rng); // loss = sum(z * dzWeights) + beta * sum_r klWeight_r KL_r
    const klWeight = Float64Array.from({ length: rows }, (_, r) => 0.1 * (r + 1));
    const z = new Float32Array(rows * Z);
    const std = new Float32Array(rows * Z);
    const kl = gaussianForward(o, eps, rows, Z, klWeight, z, std);
    const dO = new Float32Array(rows * 2 * Z).fill(Number.NaN);
    gaussianBackward(
      o,
      eps,
      std,
      dzWeights,
      rows,
      Z,
      klWeight.map((w) => beta * w),
      dO,
    );
    let klRef = 0;
    const ref = autodiff([{ values: o, shape: [rows, 2 * Z] }], (ot) => {
      const mu = tf.slice(ot, [0, 0], [rows, Z]);
      const lv = tf.slice(ot, [0, Z], [rows, Z]);
      const zt = tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, lv)), tf.tensor2d(eps, [rows, Z])));
      const klRows = tf.mul(0.5, tf.sum(tf.sub(tf.sub(tf.add(tf.exp(lv), tf.square(mu)), 1), lv), 1));
      const klT = tf.sum(tf.mul(klRows, tf.tensor1d(Float32Array.from(klWeight))));
      klRef = klT.dataSync()[0];
      return tf.add(tf.sum(tf.mul(zt, tf.tensor2d(dzWeights, [rows, Z]))), tf.mul(beta, klT));
    });
    assert.ok(Math.abs(kl - klRef) <= 1e-5 * klRef, `KL ${kl} vs ${klRef}`);
    assert.ok(relativeError(dO, ref.grads[0]) <= 1e-5, 'dO');
  });

  // Small weights over two chunks; and Mult-VAE's case, weights too large for L2 with few rows: logits
  // computed transposed, and both backward products packing the operand other than the weights.
  const shapes = [
    { H: 5, I: 9, rows: OUTPUT_CHUNK_ROWS + 37, what: 'over more than one chunk' },
    { H: 127, I: 4200, rows: 70, what: 'with weights larger than L2 and fewer rows than hidden units' },
  ];
  for (const [way, { H, I, rows, what }] of (['write', 'fold'] as GradientWay[]).flatMap((w) => shapes.map((sh) => [w, sh] as const))) {
    it(`the softmax output layer (${way}) matches autodiff ${what}`, () => {
      const rng = new Rng(way === 'write' ? 6 : 7);
      // Adjacent weight and bias, as in the parameter buffers.
      const wb = normals((H + 1) * I, rng, 0.5);
      const p = { w: wb.subarray(0, H * I), b: wb.subarray(H * I) };
      const dec = normals(rows * H, rng);
      const start = new Int32Array(rows);
      const count = new Int32Array(rows);
      const items: number[] = [];
      for (let r = 0; r < rows; r++) {
        start[r] = items.length;
        count[r] = r % 5 === 4 ? 0 : 1 + (r % 3); // some rows without targets, repeated targets allowed
        for (let k = 0; k < count[r]; k++) items.push(Math.floor(rng.uniform() * I));
      }
      const targets: Targets = { items: Int32Array.from(items), start, count, weight: Float64Array.from({ length: rows }, (_, r) => 0.001 * (1 + (r % 4))) };
      const gwb = new Float32Array((H + 1) * I).fill(Number.NaN);
      const g = { w: gwb.subarray(0, H * I), b: gwb.subarray(H * I) };
      const dDec = new Float32Array(rows * H).fill(Number.NaN);
      const up = new Uploads();
      let nll: number;
      try {
        nll = softmaxOutputTrain({ hidden: H, numItems: I }, p, up, dec, rows, targets, g, dDec, new Workspace(), () => way);
      } finally {
        up.dispose();
      }
      const y = new Float32Array(rows * I); // weighted target counts
      for (let r = 0; r < rows; r++) for (let k = start[r]; k < start[r] + count[r]; k++) y[r * I + items[k]] += targets.weight[r];
      const ref = autodiff(
        [
          { values: dec, shape: [rows, H] },
          { values: p.w, shape: [H, I] },
          { values: p.b, shape: [I] },
        ],
        (d, w, b) => tf.neg(tf.sum(tf.mul(tf.logSoftmax(tf.add(tf.matMul(d as tf.Tensor2D, w as tf.Tensor2D), b)), tf.tensor2d(y, [rows, I])))) as tf.Scalar,
      );
      assert.ok(Math.abs(nll - ref.value) <= 1e-4 * ref.value, `nll ${nll} vs ${ref.value}`);
      assert.ok(relativeError(dDec, ref.grads[0]) <= 1e-4, 'dDec');
      assert.ok(relativeError(g.w, ref.grads[1]) <= 1e-4, 'dW');
      assert.ok(relativeError(g.b, ref.grads[2]) <= 1e-4, 'db');
    });
  }

  it('the output layer folds for few targets a row and writes for many', () => {
    assert.equal(cheaperWay(2048, 4 * 2048, 150, 3483), 'fold'); // SVAE: the next 4 items
    assert.equal(cheaperWay(250, 93 * 250, 600, 3497), 'write'); // Mult-VAE: a user's ~100 items
  });
});
