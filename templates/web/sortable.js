// Sortable tables: a header's button sorts its column, numbers as numbers (empty last),
// text by the reader's locale; aria-sort tells assistive technology the order.
(function () {
  function key(cell) {
    var v = cell.getAttribute('data-sort');
    if (v === null) v = cell.textContent.trim();
    return v;
  }
  function compare(a, b, numeric) {
    if (numeric) {
      var x = a === '' ? Infinity : parseFloat(a), y = b === '' ? Infinity : parseFloat(b);
      return x - y;
    }
    return a.localeCompare(b);
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    var heads = table.querySelectorAll('thead th');
    heads.forEach(function (th, col) {
      var button = th.querySelector('button');
      if (!button) return;
      button.addEventListener('click', function () {
        var descending = th.getAttribute('aria-sort') === 'ascending';
        heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
        var numeric = th.classList.contains('num');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var c = compare(key(r1.cells[col]), key(r2.cells[col]), numeric);
          return descending ? -c : c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();
