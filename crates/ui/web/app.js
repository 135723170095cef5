// The page: asks the prover that served it, verifies the answer with the wasm verifier
// (the same code as `ghost verify` and the runtime), and shows what the proof opened.

import init, { verify, decodeGhostFile, modelId, quantise } from '/pkg/ghost_verify.js';
import { pad, paint } from '/draw.js';
import { readRecord } from '/chain.js';

const $ = (id) => document.getElementById(id);
// `file` is the ghost file answers are verified against: the prover's, until a node's
// record replaces it with the chain's (`anchor`).
const state = { file: null, id: null, view: null, busy: false, anchor: null };

async function rpc(url, method, params) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  const reply = await response.json();
  if (reply.error) throw new Error(`${method}: ${reply.error.message} (${reply.error.code})`);
  return reply.result;
}

function unhex(text) {
  const digits = text.startsWith('0x') ? text.slice(2) : text;
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.substr(2 * i, 2), 16);
  return bytes;
}

function short(hash) {
  return hash ? `${hash.slice(0, 10)}…${hash.slice(-8)}` : 'none';
}

function showModel(view, id) {
  const hash = modelId(state.file);
  $('model-id').textContent = id;
  $('file-hash').textContent = hash;
  $('id-check').textContent = hash === id ? 'yes: the model id is the hash of this ghost file' : 'NO: this is another file';
  $('id-check').dataset.ok = String(hash === id);
  $('model-name').textContent = view.name || '(unnamed)';
  $('model-version').textContent = String(view.version);
  $('model-parent').textContent = view.parent ?? 'none (an original model)';
  $('model-data').textContent = view.trainingData ?? 'not declared';
  const layers = view.layers.map((l) => l.kind === 'lookup'
    ? `lookup of ${l.rows} patterns (d ${l.d}, e ${l.e}, k ${l.k}, β ${l.beta}, ${l.nProbe}/${l.lists} lists)`
    : `embedding of ${l.rows} tokens (${l.e} wide)`);
  $('model-shape').textContent = `${layers.join('; ')}; ghost file ${view.bytes} bytes`;
}

// Flip one byte in the middle of the answer's proof (base64): what a dishonest prover
// or a bad link would do.
function tampered(answer) {
  const bytes = Uint8Array.from(atob(answer.proof), (c) => c.charCodeAt(0));
  bytes[bytes.length >> 1] ^= 0x01;
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return { ...answer, proof: btoa(text) };
}

function showVerdict(verdict, micros, trip) {
  const box = $('verdict');
  box.dataset.state = verdict.verified ? 'verified' : 'rejected';
  box.textContent = verdict.verified ? 'Verified' : 'Rejected';
  $('against').textContent = state.anchor
    ? `against the ghost file on chain (genesis ${state.anchor})`
    : 'against the ghost file this prover gave (read a node\'s record to check it is the one registered)';
  $('reason').textContent = verdict.verified ? '' : verdict.reason;
  $('class').textContent = verdict.verified ? String(verdict.class) : '–';
  $('time').textContent = micros < 1000 ? `${micros.toFixed(0)} µs` : `${(micros / 1000).toFixed(2)} ms`;
  $('trip').textContent = `${trip.toFixed(1)} ms`;
  $('proof-size').textContent = verdict.verified ? `${verdict.proofBytes} bytes` : '–';
  const patterns = $('patterns');
  patterns.replaceChildren();
  const last = verdict.layers.filter((l) => l.kind === 'lookup');
  for (const layer of last) {
    for (const row of [...layer.rows].sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0))) {
      const figure = document.createElement('figure');
      figure.className = 'pattern';
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 64;
      paint(canvas, row.key);
      const caption = document.createElement('figcaption');
      caption.textContent = `row ${row.row}: ${(100 * (row.weight ?? 0)).toFixed(1)} %`;
      caption.title = `score ${row.score?.toFixed(4)}`;
      figure.append(canvas, caption);
      patterns.append(figure);
    }
  }
}

async function ask(board) {
  if (state.busy) return;
  const values = board.cells();
  if (!values) { $('status').textContent = 'Draw a digit first.'; return; }
  state.busy = true;
  $('ask').disabled = true;
  try {
    const input = { vector: Array.from(quantise(values, false)) };
    $('status').textContent = 'Asking the prover…';
    const sent = performance.now();
    let answer = await rpc('/', 'ghost_infer', [state.id, input]);
    const trip = performance.now() - sent;
    if ($('tamper').checked) answer = tampered(answer);
    const started = performance.now();
    const verdict = verify(state.file, state.id, input, answer);
    const micros = (performance.now() - started) * 1000;
    showVerdict(verdict, micros, trip);
    $('status').textContent = verdict.verified ? 'Checked in your browser.' : 'Your browser refused the answer.';
  } catch (error) {
    $('status').textContent = `The prover could not be asked: ${error.message}`;
  } finally {
    state.busy = false;
    $('ask').disabled = !board.inked();
  }
}

async function anchor(url) {
  const read = await readRecord(url, state.id, $);
  if (!read) return;
  state.file = unhex(read.found.ghostFile);
  state.anchor = read.genesis;
  $('file-source').textContent = `the chain at ${url} (genesis ${read.genesis})`;
}

async function main() {
  await init();
  const models = await rpc('/', 'ghost_models', []);
  if (!models.length) throw new Error('this prover serves no model');
  // The model asked for (`?model=0x…`, say from its owner or the chain), or the prover's first.
  const params = new URLSearchParams(location.search);
  const wanted = params.get('model');
  if (wanted && !models.includes(wanted)) throw new Error(`this prover does not serve model ${wanted}`);
  state.id = wanted ?? models[0];
  state.file = unhex(await rpc('/', 'ghost_ghostFile', [state.id]));
  state.view = decodeGhostFile(state.file);
  showModel(state.view, state.id);
  const board = pad($('canvas'), (inked) => { $('ask').disabled = !inked || state.busy; });
  $('clear').addEventListener('click', () => board.clear());
  $('ask').addEventListener('click', () => ask(board));
  $('file-source').textContent = 'this prover (not yet checked against a chain)';
  const chain = params.get('chain');
  if (chain) $('chain-url').value = chain;
  $('chain-form').addEventListener('submit', (event) => {
    event.preventDefault();
    anchor($('chain-url').value.trim());
  });
  if (chain) await anchor(chain);
  performance.mark('ready');
  document.body.dataset.ready = 'true';
  $('status').textContent = 'Ready: draw a digit, then ask.';
}

main().catch((error) => {
  $('status').textContent = `The page could not start: ${error.message}`;
  document.body.dataset.ready = 'failed';
});

export { rpc };
