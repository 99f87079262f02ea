#!/usr/bin/env node
// Times ONNX Runtime (onnxruntime-node, CPU EP) on one model and one .npy
// input: the twin of qs_time (same loop: 2 warm-up runs, ITERS timed runs,
// median). Install ORT with /work/shared/tools/ort/install_ort_node.sh DIR.
// Usage:
//   NODE_PATH=DIR/node_modules node ort_time.js MODEL.onnx INPUT.npy THREADS ITERS [OUT.npy] [--opt all|basic|extended|disabled]
// Prints: ort threads=T batch=B iters=N opt=O median_ms=... min_ms=... images_per_s=... cpu_median_ms=...
// (cpu: process CPU time per run, all threads, from process.cpuUsage()).
// Threads: intraOpNumThreads = THREADS, interOpNumThreads = 1, sequential
// execution. --opt defaults to 'all' (ORT's default: fusions, NCHWc layout).
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function readNpy(file) {  // float32 C-order little endian only
  const b = fs.readFileSync(file);
  const hlen = b[6] === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const hoff = b[6] === 1 ? 10 : 12;
  const header = b.toString('latin1', hoff, hoff + hlen);
  if (!/'descr':\s*'<f4'/.test(header) || /'fortran_order':\s*True/.test(header)) {
    throw new Error(file + ': need <f4 C-order');
  }
  const dims = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim()).filter((s) => s).map(Number);
  const off = hoff + hlen;
  const ab = new ArrayBuffer(b.length - off);
  new Uint8Array(ab).set(b.subarray(off));
  return new ort.Tensor('float32', new Float32Array(ab), dims);
}

function writeNpy(file, t) {
  let h = `{'descr': '<f4', 'fortran_order': False, 'shape': (${t.dims.join(', ')}${t.dims.length === 1 ? ',' : ''}), }`;
  h += ' '.repeat((64 - ((10 + h.length + 1) % 64)) % 64) + '\n';
  const hdr = Buffer.alloc(10);
  hdr.write('\x93NUMPY', 0, 'latin1'); hdr[6] = 1; hdr[7] = 0; hdr.writeUInt16LE(h.length, 8);
  fs.writeFileSync(file, Buffer.concat([hdr, Buffer.from(h, 'latin1'),
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)]));
}

async function main() {
  const argv = process.argv.slice(2);
  let opt = 'all';
  const i = argv.indexOf('--opt');
  if (i >= 0) { opt = argv[i + 1]; argv.splice(i, 2); }
  const [model, input, threadsS, itersS, out] = argv;
  if (!itersS) { console.error('usage: ort_time.js MODEL INPUT.npy THREADS ITERS [OUT.npy] [--opt O]'); process.exit(2); }
  const threads = +threadsS, iters = Math.max(1, +itersS);
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'], graphOptimizationLevel: opt, intraOpNumThreads: threads,
    interOpNumThreads: 1, executionMode: 'sequential', logSeverityLevel: 3,
  });
  const x = readNpy(input);
  const feeds = { [session.inputNames[0]]: x };
  const ms = [], cpu = [];
  let res;
  for (let k = -2; k < iters; k++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    res = await session.run(feeds);
    const dt = Number(process.hrtime.bigint() - t0) / 1e6;
    const c = process.cpuUsage(c0);
    if (k >= 0) { ms.push(dt); cpu.push((c.user + c.system) / 1e3); }
  }
  ms.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const median = ms[Math.floor(ms.length / 2)];
  const batch = x.dims[0];
  console.log(`ort threads=${threads} batch=${batch} iters=${iters} opt=${opt} median_ms=${median.toFixed(2)} ` +
    `min_ms=${ms[0].toFixed(2)} images_per_s=${(1000 * batch / median).toFixed(2)} ` +
    `cpu_median_ms=${cpu[Math.floor(cpu.length / 2)].toFixed(2)}`);
  if (out) writeNpy(out, res[session.outputNames[0]]);
}
main().catch((e) => { console.error('ERROR', e.message || e); process.exit(3); });
