// The model's record on chain, read through a node's JSON-RPC and decoded by the wasm
// verifier (the page reads no byte format itself). The node must let this page's origin
// in: a dev chain does; others need `--rpc-cors` naming the prover's URL (docs/operator.md).

import { decodeModel, decodeVersions, bondsPrefix, decodeBond } from '/pkg/ghost_verify.js';

async function call(url, method, params) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  if (!response.ok) throw new Error(`the node answered HTTP ${response.status}`);
  const reply = await response.json();
  if (reply.error) throw new Error(`${method}: ${reply.error.message}`);
  return reply.result;
}

export async function readRecord(url, id, $) {
  const status = $('chain-status');
  const record = $('record');
  if (!url) { status.textContent = 'Give a node\'s URL.'; return; }
  status.textContent = `Reading ${url}…`;
  record.hidden = true;
  try {
    const found = decodeModel(id, await call(url, 'state_call', ['GhostApi_model', id]));
    if (!found) {
      status.textContent = `This chain has no model ${id}.`;
      status.dataset.ok = 'false';
      return;
    }
    const versions = decodeVersions(await call(url, 'state_call', ['GhostApi_versions', id]));
    const prefix = bondsPrefix(id);
    const keys = await call(url, 'state_getKeysPaged', [prefix, 100, prefix]);
    const bonds = [];
    for (const key of keys) {
      const value = await call(url, 'state_getStorage', [key]);
      if (value) bonds.push(decodeBond(key, value));
    }
    $('chain-registered').textContent = `yes, at block ${found.registeredAt}; the chain's ghost file ${found.fileMatches ? 'hashes to this model id' : 'does NOT hash to this model id'}`;
    $('chain-owner').textContent = found.owner;
    $('chain-price').textContent = `${found.price} credit per answer`;
    $('chain-royalty').textContent = `${found.royaltyPercent} % to the owner`;
    $('chain-state').textContent = found.status;
    $('chain-versions').textContent = versions.join(' ← ');
    $('chain-parent').textContent = found.parent ?? 'none (an original model)';
    $('chain-provers').replaceChildren(...(bonds.length ? bonds.map((b) => {
      const line = document.createElement('div');
      line.className = 'hash';
      line.textContent = `${b.prover}: ${b.amount} bonded, ${b.locked} locked${b.withdrawableAt != null ? `, unbonding at ${b.withdrawableAt}` : ''}${b.endpoint ? `, at ${b.endpoint}` : ''}`;
      return line;
    }) : [document.createTextNode('none')]));
    record.hidden = false;
    status.textContent = found.fileMatches ? 'Registered on chain: the model verified against is the one on record.' : 'The chain\'s ghost file is not this model\'s.';
    status.dataset.ok = String(found.fileMatches);
  } catch (error) {
    status.textContent = `The node could not be read: ${error.message}`;
    status.dataset.ok = 'false';
  }
}
