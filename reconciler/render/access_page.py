"""The HTML access page's own style and script: constants, hashed into its CSP.

Kept apart from render/access.py so the page's behaviour reads as one piece.
The script only reads the table the page already holds: a click on a column
header sorts its rows (numbers as numbers, "a2" before "a10"), a second click
reverses them, and `aria-sort` says which; typing in the filter hides the
rows that do not hold every word typed (without case), each word within one
cell. No data reaches the script except through the DOM, and it adds no HTML.
"""

from __future__ import annotations

STYLE = r"""
:root { color-scheme: light dark; --line: #d0d7de; --muted: #57606a; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  margin: 0; padding: 1rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
header p { margin: 0 0 1rem; color: var(--muted); max-width: 60rem; }
.implied-key { font-style: italic; }
.tools { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; padding: .5rem 0;
  position: sticky; top: 0; background: Canvas; z-index: 1; }
.tools label { font-weight: 600; }
.tools input { flex: 1 1 16rem; min-width: 0; font: inherit; padding: .45rem .6rem;
  border: 1px solid var(--line); border-radius: 6px; }
output { color: var(--muted); white-space: nowrap; }
.wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: var(--muted); padding-bottom: .5rem; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line);
  vertical-align: top; overflow-wrap: break-word; }
th button { font: inherit; font-weight: 600; color: inherit; background: none; border: 0;
  padding: 0; cursor: pointer; text-align: left; white-space: nowrap; }
th button::after { content: " \2195"; color: var(--muted); }
th[aria-sort="ascending"] button::after { content: " \25B2"; }
th[aria-sort="descending"] button::after { content: " \25BC"; }
tr.implied td { color: var(--muted); font-style: italic; }
tr[hidden] { display: none !important; }
.notes { color: var(--muted); }
@media (max-width: 640px) {
  body { padding: .5rem; }
  table, tbody, tr, td { display: block; width: 100%; }
  thead tr { display: flex; flex-wrap: wrap; gap: .25rem .9rem; }
  thead th { border: 0; padding: .25rem 0; }
  tbody tr { border: 1px solid var(--line); border-radius: 8px; margin: .5rem 0;
    padding: .25rem .6rem; }
  td { display: grid; grid-template-columns: 7.5rem 1fr; gap: .5rem; border: 0;
    padding: .2rem 0; overflow-wrap: anywhere; }
  td::before { content: attr(data-label); font-weight: 600; color: var(--muted); }
}
"""

SCRIPT = r"""
(function () {
  "use strict";
  var table = document.getElementById("access");
  var body = table.tBodies[0];
  var filter = document.getElementById("filter");
  var shown = document.getElementById("shown");
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  var total = body.rows.length;

  function count() {
    var visible = 0;
    for (var i = 0; i < body.rows.length; i++) {
      if (!body.rows[i].hidden) { visible++; }
    }
    shown.textContent = visible + " of " + total + " rows";
  }

  function rowText(row) {
    // One line per cell: a word typed never matches across two cells.
    var texts = [];
    for (var i = 0; i < row.cells.length; i++) { texts.push(row.cells[i].textContent); }
    return texts.join("\n").toLowerCase();
  }

  function applyFilter() {
    var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (var i = 0; i < body.rows.length; i++) {
      var text = rowText(body.rows[i]);
      body.rows[i].hidden = !words.every(function (word) { return text.indexOf(word) !== -1; });
    }
    count();
  }

  function sortBy(button) {
    var header = button.parentNode;
    var column = Number(button.getAttribute("data-column"));
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var headers = table.tHead.rows[0].cells;
    for (var i = 0; i < headers.length; i++) { headers[i].setAttribute("aria-sort", "none"); }
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var order = collator.compare(a.cells[column].textContent, b.cells[column].textContent);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  table.tHead.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-column]");
    if (button) { sortBy(button); }
  });
  filter.addEventListener("input", applyFilter);
  count();
})();
"""

__all__ = ["SCRIPT", "STYLE"]
