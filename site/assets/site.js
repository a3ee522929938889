/* stachub site script: list filters and full-text search (state kept in the query string), theme
   switch, copy buttons, absolute URLs in snippets. Pages are complete without it. */
(function () {
  'use strict';
  var doc = document;
  var root = doc.documentElement;
  var THEME_KEY = 'stachub-theme';

  function store(key, value) {
    try {
      if (value === undefined) return window.localStorage.getItem(key);
      window.localStorage.setItem(key, value);
    } catch (e) { /* storage disabled: the theme follows the system */ }
    return null;
  }

  function ready(fn) {
    if (doc.readyState !== 'loading') fn();
    else doc.addEventListener('DOMContentLoaded', fn);
  }

  function each(selector, fn) {
    Array.prototype.forEach.call(doc.querySelectorAll(selector), fn);
  }

  function themeToggle() {
    each('[data-theme-toggle]', function (btn) {
      btn.hidden = false;
      var current = function () {
        var t = root.getAttribute('data-theme');
        if (t) return t;
        return window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
      };
      var label = function () {
        btn.setAttribute('aria-label', current() === 'dark' ? 'Switch to light theme' : 'Switch to dark theme');
      };
      label();
      btn.addEventListener('click', function () {
        var next = current() === 'dark' ? 'light' : 'dark';
        root.setAttribute('data-theme', next);
        store(THEME_KEY, next);
        label();
      });
    });
  }

  /* A serialized URL is printable ASCII (the URL parser percent-encodes the rest), so quoting it
     for a snippet only needs: backslash and double quote escaped in a Python string; in a shell
     word, nothing when no character is special there, else single quotes with a single quote
     closed and reopened (the same rules as the build's). */
  function quote(href, lang) {
    if (lang === 'py') return '"' + href.replace(/[\\"]/g, '\\$&') + '"';
    if (lang === 'sh') return /^[\w.@%+=:,\/-]+$/.test(href) ? href : "'" + href.replace(/'/g, "'\\''") + "'";
    return href;
  }

  function absoluteUrls() {
    each('[data-abs]', function (el) {
      el.textContent = quote(new URL(el.getAttribute('data-abs'), window.location.href).href, el.getAttribute('data-quote'));
    });
    each('[data-stac-browser]', function (el) {
      if (!/^https?:$/.test(window.location.protocol)) return;
      var json = new URL(el.getAttribute('data-json'), window.location.href).href;
      var base = el.getAttribute('data-stac-browser').replace(/#.*$/, '').replace(/\/?$/, '/');
      var a = el.querySelector('a');
      if (a) a.href = base + '#/external/' + json.replace(/^https:\/\//, '');
      el.hidden = false;
    });
  }

  function copyButtons() {
    if (!navigator.clipboard) return;
    each('[data-copy], [data-copy-from]', function (btn) {
      btn.hidden = false;
      btn.addEventListener('click', function () {
        var from = btn.getAttribute('data-copy-from');
        var text = from ? (doc.getElementById(from) || {}).textContent || '' : btn.getAttribute('data-copy');
        navigator.clipboard.writeText(text).then(function () {
          var first = btn.firstChild;
          var old = first.nodeValue;
          first.nodeValue = 'Copied';
          setTimeout(function () { first.nodeValue = old; }, 1500);
        });
      });
    });
  }

  /* Filters: every control of the form is a query-string parameter, so a filtered list is a shareable URL. */
  function filters() {
    var form = doc.querySelector('[data-filters]');
    var list = doc.querySelector('[data-list]');
    if (!form || !list) return;
    var cards = Array.prototype.slice.call(list.children);
    var qInput = form.elements.namedItem('q');
    var countEl = doc.querySelector('[data-count]');
    var countLabel = doc.querySelector('[data-count-label]');
    var emptyEl = doc.querySelector('[data-empty]');
    var statusEl = doc.querySelector('[data-status]');
    var index = null;
    var loading = false;
    var timer = null;


    function loadIndex() {
      if (index || loading || !qInput || !window.fetch) return;
      loading = true;
      fetch(qInput.getAttribute('data-index'))
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          index = {};
          data.projects.forEach(function (p) { index[p.id] = p.text; });
          apply(false);
        })
        .catch(function () { /* offline or file:// : search the card text instead */ });
    }

    function fromUrl() {
      var params = new URLSearchParams(window.location.search);
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name) return;
        if (el.type === 'checkbox') el.checked = params.getAll(el.name).indexOf(el.value) >= 0;
        else if (el.tagName === 'SELECT') {
          var v = params.get(el.name);
          // A search without an explicit order is ranked by how well projects match it.
          if (el.name === 'sort' && v === null && params.get('q')) v = 'relevance';
          var known = Array.prototype.some.call(el.options, function (o) { return o.value === v; });
          el.value = v !== null && known ? v : el.options[0].value;
        } else if (params.has(el.name)) el.value = params.get(el.name);
      });
    }

    function state() {
      var s = { q: '', sort: 'updated', multi: {}, single: {} };
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name) return;
        if (el.name === 'q') s.q = el.value.trim();
        else if (el.name === 'sort') s.sort = el.value;
        else if (el.type === 'checkbox') {
          if (el.checked) (s.multi[el.name] = s.multi[el.name] || []).push(el.value);
        } else if (el.value) s.single[el.name] = el.value;
      });
      return s;
    }

    function values(card, name) {
      var v = card.getAttribute('data-' + name) || '';
      return v === '' ? [] : v.split('|');
    }

    function matches(card, s, tokens) {
      var name;
      for (name in s.single) {
        if (values(card, name).indexOf(s.single[name]) < 0) return false;
      }
      for (name in s.multi) {
        var have = values(card, name);
        for (var i = 0; i < s.multi[name].length; i++) if (have.indexOf(s.multi[name][i]) < 0) return false;
      }
      if (tokens.length === 0) return true;
      var id = card.getAttribute('data-id');
      var text = (index && index[id]) || card.textContent.toLowerCase();
      return tokens.every(function (t) { return text.indexOf(t) >= 0; });
    }

    // Best match: words found in the title count most, then keywords, then the id, then the text.
    function score(card, tokens) {
      var title = card.getAttribute('data-title');
      var keywords = (card.getAttribute('data-keyword') || '').toLowerCase();
      var id = card.getAttribute('data-id').toLowerCase();
      var text = (index && index[card.getAttribute('data-id')]) || '';
      return tokens.reduce(function (n, t) {
        return n + (title.indexOf(t) >= 0 ? 10 : 0) + (keywords.indexOf(t) >= 0 ? 5 : 0) + (id.indexOf(t) >= 0 ? 3 : 0) + (text.indexOf(t) >= 0 ? 1 : 0);
      }, 0);
    }

    function compare(sort, tokens) {
      return function (a, b) {
        if (sort === 'relevance' && tokens.length > 0) {
          var r = score(b, tokens) - score(a, tokens);
          if (r !== 0) return r;
        }
        if (sort === 'title') return a.getAttribute('data-title').localeCompare(b.getAttribute('data-title'));
        if (sort === 'created') {
          var ca = a.getAttribute('data-created');
          var cb = b.getAttribute('data-created');
          if (ca !== cb) return ca < cb ? 1 : -1;
        }
        if (sort === 'stars') {
          var d = Number(b.getAttribute('data-stars')) - Number(a.getAttribute('data-stars'));
          if (d !== 0) return d;
        }
        var ua = a.getAttribute('data-updated');
        var ub = b.getAttribute('data-updated');
        if (ua !== ub) return ua < ub ? 1 : -1;
        return a.getAttribute('data-title').localeCompare(b.getAttribute('data-title'));
      };
    }

    function toQuery(s) {
      var params = new URLSearchParams();
      if (s.q) params.set('q', s.q);
      Object.keys(s.single).forEach(function (k) { params.set(k, s.single[k]); });
      Object.keys(s.multi).forEach(function (k) { s.multi[k].forEach(function (v) { params.append(k, v); }); });
      if (s.sort !== (s.q ? 'relevance' : 'updated')) params.set('sort', s.sort);
      var q = params.toString();
      return q ? '?' + q : window.location.pathname.replace(/^.*\//, '') || './';
    }

    function apply(updateUrl) {
      var s = state();
      // Split like the index does, so "eo-lab/flood" finds the words "eo-lab" and "flood".
      var tokens = s.q.toLowerCase().split(/[^\p{L}\p{N}_.+-]+/u).map(function (w) { return w.replace(/^[.+-]+|[.+-]+$/g, ''); }).filter(Boolean);
      if (tokens.length > 0) loadIndex();
      var shown = cards.filter(function (c) {
        var ok = matches(c, s, tokens);
        c.hidden = !ok;
        return ok;
      });
      cards.slice().sort(compare(s.sort, tokens)).forEach(function (c) { list.appendChild(c); });
      if (countEl) countEl.textContent = String(shown.length);
      if (countLabel) countLabel.textContent = (shown.length === 1 ? 'project' : 'projects') + (shown.length === cards.length ? '' : ' of ' + cards.length);
      if (emptyEl) emptyEl.hidden = shown.length > 0;
      // "Clear filters" only when there is something to clear.
      var active = s.q !== '' || Object.keys(s.single).length > 0 || Object.keys(s.multi).length > 0 || s.sort !== (s.q ? 'relevance' : 'updated');
      each('[data-reset]', function (a) { a.hidden = !active; });
      if (statusEl && updateUrl) statusEl.textContent = shown.length + ' of ' + cards.length + ' projects shown';
      if (updateUrl && window.history && window.history.replaceState) {
        window.history.replaceState(null, '', toQuery(s));
      }
    }

    fromUrl();
    // Keywords in use go to the top of their list, where they are seen.
    each('.facet-options', function (box) {
      Array.prototype.slice.call(box.querySelectorAll('input:checked')).reverse().forEach(function (input) {
        box.insertBefore(input.parentElement, box.firstChild);
      });
    });
    apply(false);
    // On narrow screens the facets start folded (unless one is in use), so the results come first.
    var facets = doc.querySelector('[data-facets]');
    if (facets && window.matchMedia && window.matchMedia('(max-width: 900px)').matches) {
      var s0 = state();
      if (Object.keys(s0.single).length === 0 && Object.keys(s0.multi).length === 0) facets.open = false;
    }
    form.addEventListener('submit', function (e) { e.preventDefault(); apply(true); });
    form.addEventListener('change', function () { apply(true); });
    if (qInput) {
      qInput.addEventListener('focus', loadIndex);
      qInput.addEventListener('input', function () {
        // Typing a search ranks by best match unless another order was chosen; clearing it goes back.
        var sortEl = form.elements.namedItem('sort');
        if (sortEl) {
          if (qInput.value.trim() && sortEl.value === 'updated') sortEl.value = 'relevance';
          else if (!qInput.value.trim() && sortEl.value === 'relevance') sortEl.value = 'updated';
        }
        clearTimeout(timer);
        timer = setTimeout(function () { apply(true); }, 150);
      });
    }
    each('[data-reset]', function (a) {
      a.addEventListener('click', function (e) {
        e.preventDefault();
        form.reset();
        Array.prototype.forEach.call(form.elements, function (el) {
          if (el.type === 'checkbox') el.checked = false;
          else if (el.tagName === 'SELECT') el.value = el.options[0].value;
          else if (el.name === 'q') el.value = '';
        });
        apply(true);
      });
    });
    window.addEventListener('popstate', function () { fromUrl(); apply(false); });
  }

  ready(function () {
    themeToggle();
    absoluteUrls();
    copyButtons();
    filters();
  });
})();
