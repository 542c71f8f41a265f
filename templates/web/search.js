// The syllabus search, without a server: the index (assets/search-index.js) is a list of
// entries {t: title, c: where it lives, u: link from the site's root, x: text}. Every word
// typed must start a word of the entry; title matches rank first. ?q= in the address
// searches at once, so a search can be linked.
(function () {
  var index = window.STUDYBOT_SEARCH || [];
  var input = document.getElementById('q');
  var form = document.getElementById('search-form');
  var list = document.getElementById('results');
  var status = document.getElementById('status');
  var MAX = 25;
  function words(s) {
    return s.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(function (w) { return w.length > 0; });
  }
  var prepared = index.map(function (e) {
    return { e: e, title: words(e.t), text: words(e.t + ' ' + e.x) };
  });
  function occurrences(terms, ws) {
    var n = 0;
    for (var j = 0; j < ws.length; j++) {
      for (var i = 0; i < terms.length; i++) {
        if (ws[j].lastIndexOf(terms[i], 0) === 0) { n++; break; }
      }
    }
    return n;
  }
  function hits(terms, ws) {
    var n = 0;
    for (var i = 0; i < terms.length; i++) {
      var found = false;
      for (var j = 0; j < ws.length; j++) {
        if (ws[j].lastIndexOf(terms[i], 0) === 0) { found = true; break; }
      }
      if (found) n++;
    }
    return n;
  }
  function run(query) {
    var terms = words(query);
    while (list.firstChild) list.removeChild(list.firstChild);
    if (terms.length === 0) {
      status.textContent = 'Type a word to search.';
      return;
    }
    var found = [];
    prepared.forEach(function (p) {
      if (hits(terms, p.text) === terms.length) {
        found.push({ p: p, score: 3 * hits(terms, p.title) + occurrences(terms, p.text) });
      }
    });
    found.sort(function (a, b) { return b.score - a.score; });
    found.slice(0, MAX).forEach(function (f) {
      var li = document.createElement('li');
      var a = document.createElement('a');
      a.href = f.p.e.u;
      a.textContent = f.p.e.t;
      var where = document.createElement('span');
      where.className = 'muted';
      where.textContent = ' · ' + f.p.e.c;
      li.appendChild(a);
      li.appendChild(where);
      list.appendChild(li);
    });
    status.textContent = found.length === 0
      ? 'Nothing matches "' + query + '". Try a broader word.'
      : found.length + (found.length === 1 ? ' result' : ' results') + (found.length > MAX ? ', the best ' + MAX + ' shown' : '') + '.';
  }
  var params = new URLSearchParams(window.location.search);
  if (params.get('q')) {
    input.value = params.get('q');
    run(input.value);
  }
  input.addEventListener('input', function () { run(input.value); });
  form.addEventListener('submit', function (ev) { ev.preventDefault(); run(input.value); });
})();
