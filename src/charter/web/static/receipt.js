// Ballot receipts, checked again in the browser (progressive enhancement: the server
// checks every receipt too). The proof is verified as RFC 9162 section 2.1.3.2 says,
// with the page's own SHA-256 (Web Crypto); ledger entries are canonical JSON, so the
// ballot is looked for in the very bytes that were hashed.
"use strict";

(function () {
  const subtle = window.crypto && window.crypto.subtle;

  function fromHex(hex) {
    const bytes = new Uint8Array(hex.length / 2);
    for (let i = 0; i < bytes.length; i += 1) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
    return bytes;
  }

  function toHex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function sha256(prefix, ...parts) {
    const size = 1 + parts.reduce((n, p) => n + p.length, 0);
    const data = new Uint8Array(size);
    data[0] = prefix;
    let at = 1;
    for (const part of parts) {
      data.set(part, at);
      at += part.length;
    }
    return new Uint8Array(await subtle.digest("SHA-256", data));
  }

  // RFC 9162 2.1.3.2: the root that `path` leads to from leaf `index` of a tree of `size`.
  async function rootFrom(index, size, leaf, path) {
    if (index >= size) throw new Error("the index is not below the tree size");
    let fn = index;
    let sn = size - 1;
    let r = leaf;
    for (const p of path) {
      if (sn === 0) throw new Error("the path is longer than the leaf's depth");
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256(1, p, r);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) {
            fn = Math.floor(fn / 2);
            sn = Math.floor(sn / 2);
          }
        }
      } else {
        r = await sha256(1, r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    if (sn !== 0) throw new Error("the path is shorter than the leaf's depth");
    return r;
  }

  function checkpointRoot(text) {
    const lines = text.split("\n");
    const raw = atob(lines[2]);
    return { size: Number(lines[1]), root: toHex(Uint8Array.from(raw, (c) => c.charCodeAt(0))) };
  }

  // Checks entry bytes -> leaf -> path -> root, and that root and size are the checkpoint's.
  async function verify(proof) {
    const entry = fromHex(proof.entry);
    const leaf = await sha256(0, entry);
    if (toHex(leaf) !== proof.leaf_hash) throw new Error("the entry does not hash to the leaf");
    const path = proof.path.filter((h) => h).map(fromHex);
    const root = toHex(await rootFrom(proof.index, proof.size, leaf, path));
    const signed = checkpointRoot(proof.checkpoint);
    if (root !== signed.root || proof.size !== signed.size) {
      throw new Error("the path does not lead to the checkpoint's root");
    }
    return { root, entry: JSON.parse(new TextDecoder().decode(entry)) };
  }

  function say(element, text, ok) {
    element.textContent = text;
    element.hidden = false;
    element.classList.toggle("granted", ok);
    element.classList.toggle("refused", !ok);
  }

  function canonical(value) {
    if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
    if (value && typeof value === "object") {
      const keys = Object.keys(value).sort();
      return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
    }
    return JSON.stringify(value);
  }

  async function checkShown(block) {
    const out = block.parentElement.querySelector(".browser-check");
    if (!subtle) {
      say(out, "This browser cannot check the proof itself (Web Crypto needs HTTPS).", false);
      return;
    }
    const d = block.dataset;
    const proof = {
      index: Number(d.index),
      size: Number(d.size),
      entry: d.entry,
      leaf_hash: d.leaf,
      path: d.path.split(","),
      checkpoint: d.checkpoint,
    };
    try {
      const { root } = await verify(proof);
      say(out, `Checked again in your browser: entry ${proof.index} hashes to its leaf, and the path leads to root ${root.slice(0, 16)}…, the root the signed checkpoint of ${proof.size} entries states.`, true);
    } catch (error) {
      say(out, `The proof does not check in your browser: ${error.message}.`, false);
    }
  }

  async function fetchJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await response.json();
    if (!response.ok) throw new Error(body.message || response.statusText);
    return body;
  }

  async function checkLocally(form) {
    const out = form.querySelector(".local-result");
    const polity = form.dataset.polity;
    let receipt;
    try {
      receipt = JSON.parse(form.querySelector("textarea").value);
    } catch (error) {
      say(out, `The receipt is not JSON: ${error.message}`, false);
      return;
    }
    if (!receipt || receipt["charter-receipt"] !== 1 || receipt.polity !== polity) {
      say(out, `This is not a Charter receipt for ${polity}.`, false);
      return;
    }
    const base = `/api/polities/${encodeURIComponent(polity)}`;
    try {
      if (!receipt.secret) {
        const fresh = await fetchJson(`${base}/receipts/${Number(receipt.entry)}`);
        const { entry } = await verify(fresh.proof);
        const args = entry.act.args;
        if (entry.act.act !== "cast-ballot" || args.motion !== receipt.motion) {
          throw new Error(`entry ${receipt.entry} is not a ballot on ${receipt.motion}`);
        }
        say(out, `Your ballot is in entry ${receipt.entry}; its proof checks in your browser against the signed checkpoint of ${fresh.proof.size} entries.`, true);
        return;
      }
      const closing = await fetchJson(`${base}/motions/${encodeURIComponent(receipt.motion)}/closing`);
      if (closing.entry === null) {
        say(out, "The vote is still open: its ballot box is not in the ledger yet. Check again once it closes.", true);
        return;
      }
      if (!closing.proof) throw new Error("no signed checkpoint covers the closing entry yet");
      const { entry } = await verify(closing.proof);
      const box = entry.act.args.box || [];
      const mine = box.find((item) => item.receipt === receipt.receipt);
      if (!mine) throw new Error(`the ballot box in entry ${closing.entry} has no such receipt`);
      const counted = Object.assign({}, mine);
      delete counted.receipt;
      if (canonical(counted) !== canonical(receipt.ballot)) {
        throw new Error(`entry ${closing.entry} holds a different ballot under this receipt`);
      }
      say(out, `Your ballot was counted from the ballot box in entry ${closing.entry}; its proof checks in your browser against the signed checkpoint of ${closing.proof.size} entries. Your receipt never left this page.`, true);
    } catch (error) {
      say(out, `Not confirmed: ${error.message}.`, false);
    }
  }

  document.querySelectorAll("[data-proof]").forEach((block) => { checkShown(block); });
  document.querySelectorAll("[data-receipt-form]").forEach((form) => {
    const button = form.querySelector(".local-check");
    if (!subtle || !button) return;
    button.hidden = false;
    button.addEventListener("click", () => { checkLocally(form); });
  });
})();
