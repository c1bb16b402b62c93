// Ranked ballots by drag and drop, or from the keyboard, over the number inputs the
// form already has (progressive enhancement: without this script the numbers are typed).
// The list's order is the ranking: ranked options first, each numbered 1, 2, ...; an
// option left unranked keeps a blank number. The form posts the numbers as before.
"use strict";

(function () {
  function setup(fieldset) {
    const list = fieldset.querySelector(".rank-items");
    if (!list) return;
    const items = () => Array.from(list.children);
    const input = (li) => li.querySelector("input[type=number]");
    const ranked = (li) => li.dataset.ranked === "true";
    const live = document.createElement("p");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    fieldset.appendChild(live);
    const help = fieldset.querySelector(".rank-help");
    if (help) help.hidden = false;
    fieldset.classList.add("draggable");

    function renumber() {
      let rank = 0;
      const total = items().length;
      for (const li of items()) {
        if (ranked(li)) {
          rank += 1;
          input(li).value = String(rank);
          li.setAttribute("aria-label", `${li.dataset.option}: ranked ${rank} of ${total}`);
        } else {
          input(li).value = "";
          li.setAttribute("aria-label", `${li.dataset.option}: not ranked`);
        }
      }
    }

    // Order the list as the numbers say: ranked by number, then the unranked.
    function sortFromInputs() {
      const keyed = items().map((li, at) => {
        const value = parseInt(input(li).value, 10);
        li.dataset.ranked = Number.isFinite(value) ? "true" : "false";
        return { li, key: Number.isFinite(value) ? value : Infinity, at };
      });
      keyed.sort((a, b) => a.key - b.key || a.at - b.at);
      for (const { li } of keyed) list.appendChild(li);
      renumber();
    }

    function say(li) {
      live.textContent = li.getAttribute("aria-label") || "";
    }

    // The order is the ranking, so `li` and every option above it are ranked.
    function rankThrough(li) {
      for (const other of items()) {
        other.dataset.ranked = "true";
        if (other === li) break;
      }
      renumber();
    }

    let dragged = null;
    for (const li of items()) {
      li.tabIndex = 0;
      li.draggable = true;
      li.addEventListener("dragstart", (event) => {
        dragged = li;
        li.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", li.dataset.option);
      });
      li.addEventListener("dragend", () => {
        li.classList.remove("dragging");
        dragged = null;
      });
      li.addEventListener("dragover", (event) => {
        if (!dragged || dragged === li) return;
        event.preventDefault();
        const box = li.getBoundingClientRect();
        const after = event.clientY > box.top + box.height / 2;
        list.insertBefore(dragged, after ? li.nextSibling : li);
      });
      li.addEventListener("drop", (event) => {
        if (!dragged) return;
        event.preventDefault();
        rankThrough(dragged);
        say(dragged);
      });
      li.addEventListener("keydown", (event) => {
        if (event.target !== li) return; // typing in the number input works as before
        const previous = li.previousElementSibling;
        const next = li.nextElementSibling;
        if (event.key === "ArrowUp" && previous) {
          event.preventDefault();
          list.insertBefore(li, previous);
          rankThrough(li);
        } else if (event.key === "ArrowDown" && next) {
          event.preventDefault();
          list.insertBefore(li, next.nextSibling);
          rankThrough(li);
        } else if (event.key === " " || event.key === "Enter") {
          event.preventDefault();
          // Toggle, and stand at the border: last of the ranked, or first of the unranked.
          li.dataset.ranked = ranked(li) ? "false" : "true";
          const border = items().find((other) => other !== li && !ranked(other));
          list.insertBefore(li, border || null);
          renumber();
        } else {
          return;
        }
        li.focus();
        say(li);
      });
      input(li).addEventListener("change", sortFromInputs);
    }
    sortFromInputs();
  }

  document.querySelectorAll("[data-rank-list]").forEach(setup);
})();
