// The model's record on chain, read through a node's JSON-RPC and decoded by the wasm
// verifier (the page reads no byte format itself). The node must let this page's origin
// in: a dev chain does; others need `--rpc-cors` naming the prover's URL (docs/operator.md).
// What it shows is only as good as the node: the genesis hash tells which chain it is.

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

// Reads the record of model `id` at the node `url` and shows it; returns the record (with
// the ghost file the chain holds) and the chain's genesis hash, or null.
export async function readRecord(url, id, $) {
  const status = $('chain-status');
  const record = $('record');
  if (!url) { status.textContent = 'Give a node\'s URL.'; return null; }
  status.textContent = `Reading ${url}…`;
  delete status.dataset.ok;
  record.hidden = true;
  try {
    const genesis = await call(url, 'chain_getBlockHash', [0]);
    $('chain-genesis').textContent = genesis;
    const found = decodeModel(id, await call(url, 'state_call', ['GhostApi_model', id]));
    if (!found) {
      status.textContent = `This chain (genesis ${genesis}) holds no ghost file for model ${id}: never registered, or retired and reaped.`;
      status.dataset.ok = 'false';
      return null;
    }
    const versions = decodeVersions(await call(url, 'state_call', ['GhostApi_versions', id]));
    const prefix = bondsPrefix(id);
    const PAGE = 100;
    const keys = await call(url, 'state_getKeysPaged', [prefix, PAGE, prefix]);
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
    if (keys.length === PAGE) $('chain-provers').append(document.createTextNode(`(the first ${PAGE})`));
    record.hidden = false;
    const active = found.status === 'active';
    status.textContent = !found.fileMatches
      ? 'The chain\'s ghost file is not this model\'s.'
      : active
        ? 'Registered and active on this chain: answers are now verified against the ghost file the chain holds.'
        : `Registered on this chain, but ${found.status}: it takes no new requests.`;
    status.dataset.ok = String(found.fileMatches && active);
    return found.fileMatches ? { found, genesis } : null;
  } catch (error) {
    status.textContent = `The node could not be read: ${error.message}`;
    status.dataset.ok = 'false';
    return null;
  }
}
