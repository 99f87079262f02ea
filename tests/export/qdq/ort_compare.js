#!/usr/bin/env node
// Runs the QDQ export cases in ONNX Runtime (onnxruntime-node, CPU EP, graph
// optimisations off so Q/DQ run node by node) and compares each output with
// quantsim's simulated output, in units of the output quantizer's step.
//   node ort_compare.js CASE_DIR [TORCH_QDQ.onnx TORCH_LOGITS.npy IMAGES.npy LABELS.npy]
// CASE_DIR/manifest.tsv: name, lsb, max_lsb (0 exact, k steps, -1 report
// only, -2 must differ: negative control), labels .npy or "-". Prints one line per case and a closing
// "N passed, N failed" line; exits 1 when a case is over its limit.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

function readNpy(file) {
  const b = fs.readFileSync(file);
  if (b.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file}: not .npy`);
  const major = b[6];
  const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = b.toString('latin1', start, start + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim()).filter((s) => s).map(Number);
  const data = b.subarray(start + hlen);
  const buf = data.buffer.slice(data.byteOffset, data.byteOffset + data.length);
  if (descr === '<f4') return { shape, data: new Float32Array(buf) };
  if (descr === '<i8') return { shape, data: Array.from(new BigInt64Array(buf), Number) };
  throw new Error(`${file}: dtype ${descr} not handled`);
}

async function run(model, x) {
  const s = await ort.InferenceSession.create(model, {
    graphOptimizationLevel: 'disabled', executionProviders: ['cpu'],
    intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3,
  });
  const feeds = { [s.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape) };
  const out = await s.run(feeds);
  return out[s.outputNames[0]];
}

function accuracy(logits, labels, classes) {
  let ok = 0;
  for (let n = 0; n < labels.length; n++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[n * classes + k] > logits[n * classes + best]) best = k;
    ok += best === labels[n] ? 1 : 0;
  }
  return ok / labels.length;
}

async function main() {
  const [dir, torchModel, torchLogits, images, labelsFile] = process.argv.slice(2);
  const rows = fs.readFileSync(path.join(dir, 'manifest.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
  let passed = 0, failed = 0;
  for (const [name, lsbS, tolS, labels] of rows) {
    const lsb = Number(lsbS), tol = Number(tolS);
    const x = readNpy(path.join(dir, `${name}_x.npy`));
    const want = readNpy(path.join(dir, `${name}_sim.npy`));
    let got;
    try {
      got = await run(path.join(dir, `${name}.onnx`), x);
    } catch (e) {
      failed++;
      console.log(`FAIL ${name}: ORT could not run it: ${String(e.message || e).split('\n')[0]}`);
      continue;
    }
    let worst = 0, differ = 0;
    for (let i = 0; i < want.data.length; i++) {
      const d = Math.abs(want.data[i] - got.data[i]) / lsb;
      if (d > 0 || Number.isNaN(d)) differ++;
      if (d > worst || Number.isNaN(d)) worst = d;
    }
    let extra = '';
    if (labels !== '-') {
      const y = readNpy(labels).data;
      const classes = want.shape[1];
      extra = ` accuracy quantsim ${accuracy(want.data, y, classes).toFixed(4)} ort ${accuracy(got.data, y, classes).toFixed(4)}`;
    }
    const ok = tol === -2 ? differ > 0
      : tol < 0 || (got.data.length === want.data.length && worst <= tol + 1e-3);
    const verdict = tol === -1 ? 'INFO' : ok ? 'PASS' : 'FAIL';
    if (tol !== -1) { if (ok) passed++; else failed++; }
    console.log(`${verdict} ${name}: max ${worst.toFixed(3)} LSB (limit ${tol === -1 ? 'none' : tol === -2 ? 'must differ' : tol}), ${differ}/${want.data.length} elements differ${extra}`);
  }
  if (torchModel) {
    const x = readNpy(images);
    const got = await run(torchModel, x);
    const ref = readNpy(torchLogits);
    let worst = 0;
    for (let i = 0; i < ref.data.length; i++) worst = Math.max(worst, Math.abs(ref.data[i] - got.data[i]));
    const y = readNpy(labelsFile).data;
    console.log(`INFO torch_qdq_reference: ORT vs torch 1.13 logits max |diff| ${worst.toExponential(3)}; accuracy ort ${accuracy(got.data, y, 10).toFixed(4)} torch ${accuracy(ref.data, y, 10).toFixed(4)}`);
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(1); });
