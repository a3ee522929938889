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

  /* Filters and search: every control of the form is a query-string parameter, so a filtered list
     is a shareable URL. Without a search or a filter the page's own cards are shown (the list is
     paginated in HTML); otherwise the matches are computed from the search index files
     (generator/render/search-index.ts), fetched on demand: the shards of the query's words and
     filter values, the sort keys of the chunks that can hold the first results, and one small
     file per result shown. */
  var PAGE = 48;

  function hash(s) {
    var h = 0x811c9dc5;
    for (var i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h;
  }

  function shardKey(term) {
    return term;
  }

  function tokens(q) {
    // Split like the index does, so "eo-lab/flood" finds the words "eo-lab" and "flood".
    return q.toLowerCase().split(/[^\p{L}\p{N}_.+-]+/u).map(function (w) { return w.replace(/^[.+-]+|[.+-]+$/g, ''); }).filter(Boolean);
  }

  function undelta(d) {
    var out = new Array(d.length);
    var acc = 0;
    for (var i = 0; i < d.length; i++) { acc += d[i]; out[i] = acc; }
    return out;
  }

  function el(tag, attrs, children) {
    var e = doc.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { if (c !== null) e.appendChild(typeof c === 'string' ? doc.createTextNode(c) : c); });
    return e;
  }

  function srOnly(text) { return el('span', { class: 'sr-only' }, [text]); }

  /* A result card, as site/partials/card.hbs renders one (text set as text: nothing is parsed as HTML). */
  function cardOf(d, root, showCategory) {
    var meta = [];
    if (d.framework) meta.push(el('li', {}, [srOnly('Framework: '), d.framework]));
    d.tasks.forEach(function (t) { meta.push(el('li', {}, [srOnly('Task: '), t])); });
    if (d.license) meta.push(el('li', {}, [srOnly('License: '), d.license]));
    if (d.versions) meta.push(el('li', {}, [d.versions + (d.versions === 1 ? ' version' : ' versions')]));
    meta.push(el('li', { class: 'stars' }, [el('span', { 'aria-hidden': 'true' }, ['\u2605']), ' ' + d.stars, srOnly(' stars')]));
    if (d.updated) meta.push(el('li', {}, [el('time', { datetime: d.updated }, ['updated ' + d.updated])]));
    return el('li', { class: 'card', 'data-id': d.data.id, 'data-title': d.data.title, 'data-stars': d.data.stars, 'data-updated': d.data.updated, 'data-created': d.data.created }, [
      el('div', { class: 'card-media hue-' + d.hue }, [d.preview ? el('img', { src: root + d.preview, alt: '', loading: 'lazy' }) : el('span', { 'aria-hidden': 'true' }, [d.initials])]),
      el('div', { class: 'card-body' }, [
        el('h3', { class: 'card-title' }, [el('a', { href: root + d.href }, [d.title])]),
        showCategory ? el('p', { class: 'card-category' }, [d.category]) : null,
        d.summary ? el('p', { class: 'card-summary' }, [d.summary]) : null,
        d.keywords.length ? el('ul', { class: 'chips', 'aria-label': 'Keywords' }, d.keywords.map(function (k) { return el('li', {}, [k]); })) : null,
        el('ul', { class: 'card-meta' }, meta),
      ]),
    ]);
  }

  function filters() {
    var form = doc.querySelector('[data-filters]');
    var list = doc.querySelector('[data-list]');
    if (!form || !list || !window.fetch || !window.URLSearchParams) return;
    var base = form.getAttribute('data-index');
    var root = form.getAttribute('data-root') || '';
    var scope = form.getAttribute('data-scope');
    var listSort = form.getAttribute('data-list-sort') || 'updated';
    var staticCards = Array.prototype.slice.call(list.children);
    var qInput = form.elements.namedItem('q');
    var countEl = doc.querySelector('[data-count]');
    var countLabel = doc.querySelector('[data-count-label]');
    var total = countEl ? Number(countEl.textContent) : staticCards.length;
    var emptyEl = doc.querySelector('[data-empty]');
    var statusEl = doc.querySelector('[data-status]');
    var pager = doc.querySelector('[data-pager]');
    var moreBox = doc.querySelector('[data-more-box]');
    var sortLinks = {};
    each('.sort-links a', function (a, i) { sortLinks[['updated', 'stars', 'title'][i]] = a.getAttribute('href'); });
    var files = {};
    var shown = PAGE;
    var run = 0;
    var timer = null;

    function get(path) {
      if (!files[path]) {
        files[path] = fetch(base + path).then(function (r) {
          if (!r.ok) throw new Error(path + ': ' + r.status);
          return r.json();
        });
      }
      return files[path];
    }

    /* The categories a search covers: the page's own, the one chosen on the search page, or all. */
    function cats(entry, s) {
      var only = scope || s.single.category;
      return Object.keys(entry).filter(function (c) { return !only || c === only; });
    }

    /* Documents that have a filter value (a term "name=value"), in the categories searched. */
    function facetSet(term, s) {
      return get('meta.json').then(function (m) {
        return get('t/' + (hash(shardKey(term)) % m.shards) + '.json');
      }).then(function (shard) {
        var set = new Set();
        var entry = shard[term];
        if (entry) cats(entry, s).forEach(function (c) { undelta(entry[c]).forEach(function (d) { set.add(d); }); });
        return set;
      });
    }

    /* Per document, the score of one query word: 10 in the title, 5 in keywords, 3 in the id, 1 anywhere. */
    function wordScores(word, s) {
      return get('meta.json').then(function (m) {
        return get('t/' + (hash(shardKey(word)) % m.shards) + '.json');
      }).then(function (shard) {
        var scores = new Map();
        var entry = word.indexOf('=') < 0 && Object.prototype.hasOwnProperty.call(shard, word) ? shard[word] : null;
        if (entry) {
          cats(entry, s).forEach(function (c) {
            entry[c].forEach(function (tier, t) {
              var add = t === 0 ? 10 : t === 1 ? 5 : t === 2 ? 3 : 0;
              undelta(tier).forEach(function (d) { scores.set(d, (scores.get(d) || 1) + add); });
            });
          });
        }
        return scores;
      });
    }

    /* The documents matching the state, with their scores (0 without a query). */
    function matches(s, words) {
      var sets = [];
      Object.keys(s.single).forEach(function (k) { if (k !== 'category') sets.push(facetSet(k + '=' + s.single[k], s)); });
      Object.keys(s.multi).forEach(function (k) { s.multi[k].forEach(function (v) { sets.push(facetSet(k + '=' + v, s)); }); });
      // Neither words nor filter values: every project of the list.
      if (sets.length === 0 && words.length === 0) sets.push(facetSet('all=', s));
      return Promise.all([Promise.all(sets), Promise.all(words.map(function (w) { return wordScores(w, s); }))]).then(function (r) {
        var filters = r[0];
        var scores = r[1];
        var out = [];
        // Walk the smallest of the sets, test the others.
        var walk = filters.concat(scores).reduce(function (a, b) { return a && a.size <= b.size ? a : b; }, null);
        walk.forEach(function (_, d) {
          for (var i = 0; i < filters.length; i++) if (!filters[i].has(d)) return;
          var score = 0;
          for (var j = 0; j < scores.length; j++) {
            var w = scores[j].get(d);
            if (!w) return;
            score += w;
          }
          out.push({ d: d, score: score });
        });
        return out;
      });
    }

    /* The k most recently updated of some documents, reading only the key chunks that can hold them. */
    function topByUpdated(docs, k) {
      if (k <= 0 || docs.length === 0) return Promise.resolve([]);
      return get('meta.json').then(function (m) {
        var byChunk = new Map();
        docs.forEach(function (d) {
          var c = Math.floor(d / m.chunk);
          if (!byChunk.has(c)) byChunk.set(c, []);
          byChunk.get(c).push(d);
        });
        var order = Array.from(byChunk.keys()).sort(function (a, b) { return m.umax[b] - m.umax[a]; });
        var best = [];
        function step(i) {
          if (i >= order.length) return Promise.resolve(best);
          // Enough results, all newer than anything the remaining chunks hold: done.
          if (best.length >= k && best[k - 1].u > m.umax[order[i]]) return Promise.resolve(best);
          // The newest chunks first, several at once (ids follow creation, so they usually suffice).
          var batch = order.slice(i, i + 8);
          return Promise.all(batch.map(function (c) { return get('u/' + c + '.json'); })).then(function (chunks) {
            chunks.forEach(function (u, j) {
              byChunk.get(batch[j]).forEach(function (d) { best.push({ d: d, u: u[d % m.chunk] }); });
            });
            best.sort(function (a, b) { return b.u - a.u || a.d - b.d; });
            best.length = Math.min(best.length, k);
            return step(i + batch.length);
          });
        }
        return step(0).then(function (b) { return b.map(function (x) { return x.d; }); });
      });
    }

    /* The first k results in the chosen order. */
    function ordered(found, s, k) {
      var sort = s.sort === 'relevance' && s.words.length === 0 ? 'updated' : s.sort;
      if (sort === 'created') {
        // Document ids follow creation time.
        return Promise.resolve(found.map(function (f) { return f.d; }).sort(function (a, b) { return b - a; }).slice(0, k));
      }
      if (sort === 'relevance') {
        var groups = new Map();
        found.forEach(function (f) {
          if (!groups.has(f.score)) groups.set(f.score, []);
          groups.get(f.score).push(f.d);
        });
        var scores = Array.from(groups.keys()).sort(function (a, b) { return b - a; });
        var out = [];
        var next = function (i) {
          if (i >= scores.length || out.length >= k) return Promise.resolve(out);
          return topByUpdated(groups.get(scores[i]), k - out.length).then(function (top) {
            out = out.concat(top);
            return next(i + 1);
          });
        };
        return next(0);
      }
      if (sort === 'stars' || sort === 'title') {
        return get('meta.json').then(function (m) {
          var chunks = Array.from(new Set(found.map(function (f) { return Math.floor(f.d / m.chunk); })));
          return Promise.all(chunks.map(function (c) { return Promise.all([get('o/' + c + '.json'), get('u/' + c + '.json')]); })).then(function (loaded) {
            var keys = new Map();
            chunks.forEach(function (c, i) { keys.set(c, loaded[i]); });
            var rows = found.map(function (f) {
              var kk = keys.get(Math.floor(f.d / m.chunk));
              var j = f.d % m.chunk;
              return { d: f.d, s: kk[0].s[j], t: kk[0].t[j], u: kk[1][j] };
            });
            rows.sort(sort === 'stars'
              ? function (a, b) { return b.s - a.s || b.u - a.u || a.t.localeCompare(b.t); }
              : function (a, b) { return a.t.localeCompare(b.t) || a.d - b.d; });
            return rows.slice(0, k).map(function (r) { return r.d; });
          });
        });
      }
      return topByUpdated(found.map(function (f) { return f.d; }), k);
    }

    function fromUrl() {
      var params = new URLSearchParams(window.location.search);
      Array.prototype.forEach.call(form.elements, function (e) {
        if (!e.name) return;
        if (e.type === 'checkbox') e.checked = params.getAll(e.name).indexOf(e.value) >= 0;
        else if (e.tagName === 'SELECT') {
          var v = params.get(e.name);
          // A search without an explicit order is ranked by how well projects match it.
          if (e.name === 'sort' && v === null) v = params.get('q') ? 'relevance' : listSort;
          // A value the page does not offer (only the most used are listed) is added.
          if (v && e.name !== 'sort' && !Array.prototype.some.call(e.options, function (o) { return o.value === v; })) e.appendChild(el('option', { value: v }, [v]));
          var known = Array.prototype.some.call(e.options, function (o) { return o.value === v; });
          e.value = v !== null && known ? v : e.options[0].value;
        } else if (params.has(e.name)) e.value = params.get(e.name);
      });
      // Checked keywords the page does not offer are added to their list.
      each('.facet', function (box) {
        var input = box.querySelector('input[type="checkbox"]');
        if (!input) return;
        var name = input.name;
        var options = box.querySelector('.facet-options');
        params.getAll(name).forEach(function (v) {
          if (box.querySelector('input[value="' + CSS.escape(v) + '"]')) return;
          options.insertBefore(el('label', { class: 'check' }, [el('input', { type: 'checkbox', name: name, value: v }), ' ', el('span', {}, [v])]), options.firstChild);
          options.firstChild.querySelector('input').checked = true;
        });
      });
    }

    function state() {
      var s = { q: '', sort: 'updated', multi: {}, single: {} };
      Array.prototype.forEach.call(form.elements, function (e) {
        if (!e.name) return;
        if (e.name === 'q') s.q = e.value.trim();
        else if (e.name === 'sort') s.sort = e.value;
        else if (e.type === 'checkbox') {
          if (e.checked) (s.multi[e.name] = s.multi[e.name] || []).push(e.value);
        } else if (e.value) s.single[e.name] = e.value;
      });
      s.words = tokens(s.q);
      return s;
    }

    function filtered(s) {
      return s.words.length > 0 || Object.keys(s.single).length > 0 || Object.keys(s.multi).length > 0;
    }

    function toQuery(s) {
      var params = new URLSearchParams();
      if (s.q) params.set('q', s.q);
      Object.keys(s.single).forEach(function (k) { params.set(k, s.single[k]); });
      Object.keys(s.multi).forEach(function (k) { s.multi[k].forEach(function (v) { params.append(k, v); }); });
      if (s.sort !== (s.q ? 'relevance' : listSort)) params.set('sort', s.sort);
      var q = params.toString();
      return q ? '?' + q : window.location.pathname.replace(/^.*\//, '') || './';
    }

    function show(cards, count, more) {
      while (list.firstChild) list.removeChild(list.firstChild);
      cards.forEach(function (c) { list.appendChild(c); });
      if (countEl) countEl.textContent = String(count);
      if (countLabel) countLabel.textContent = (count === 1 ? 'project' : 'projects') + (count === total ? '' : ' of ' + total);
      if (emptyEl) emptyEl.hidden = count > 0;
      if (moreBox) moreBox.hidden = !more;
    }

    function apply(updateUrl) {
      var s = state();
      var active = filtered(s) || s.sort !== (s.q ? 'relevance' : listSort);
      each('[data-reset]', function (a) { a.hidden = !active; });
      if (updateUrl && window.history && window.history.replaceState) window.history.replaceState(null, '', toQuery(s));
      var mine = ++run;
      if (!filtered(s) && (s.sort === listSort || (s.sort === 'relevance' && listSort === 'updated'))) {
        // The page itself is the answer.
        if (pager) pager.hidden = false;
        show(staticCards, total, false);
        list.removeAttribute('aria-busy');
        if (statusEl && updateUrl) statusEl.textContent = '';
        return Promise.resolve();
      }
      if (!filtered(s) && sortLinks[s.sort]) {
        // Another precomputed order: its own page.
        window.location.href = sortLinks[s.sort];
        return Promise.resolve();
      }
      if (pager) pager.hidden = true;
      list.setAttribute('aria-busy', 'true');
      var found;
      return matches(s, s.words).then(function (f) {
        found = f;
        return ordered(found, s, shown);
      }).then(function (ids) {
        return Promise.all(ids.map(function (d) { return get('d/' + d + '.json'); }));
      }).then(function (docs) {
        if (mine !== run) return;
        show(docs.map(function (d) { return cardOf(d, root, !scope); }), found.length, found.length > docs.length);
        list.removeAttribute('aria-busy');
        if (statusEl && updateUrl) statusEl.textContent = found.length + ' of ' + total + ' projects found';
      }).catch(function () {
        if (mine !== run) return;
        list.removeAttribute('aria-busy');
        if (statusEl) statusEl.textContent = 'The search index could not be loaded; the list shows this page only.';
      });
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
    var restart = function () { shown = PAGE; apply(true); };
    form.addEventListener('submit', function (e) { e.preventDefault(); restart(); });
    form.addEventListener('change', restart);
    each('[data-more]', function (b) {
      b.addEventListener('click', function () { shown += PAGE; apply(false); });
    });
    // The index's entry file is fetched as soon as a search or a filter is likely.
    form.addEventListener('focusin', function () { get('meta.json').catch(function () {}); });
    form.addEventListener('pointerdown', function () { get('meta.json').catch(function () {}); });
    if (qInput) {
      qInput.addEventListener('input', function () {
        // Typing a search ranks by best match unless another order was chosen; clearing it goes back.
        var sortEl = form.elements.namedItem('sort');
        if (sortEl) {
          if (qInput.value.trim() && sortEl.value === listSort && listSort === 'updated') sortEl.value = 'relevance';
          else if (!qInput.value.trim() && sortEl.value === 'relevance') sortEl.value = listSort;
        }
        clearTimeout(timer);
        timer = setTimeout(restart, 150);
      });
    }
    each('[data-reset]', function (a) {
      a.addEventListener('click', function (e) {
        if (!filtered(state()) && state().sort !== listSort) return; // another order: follow the link
        e.preventDefault();
        form.reset();
        Array.prototype.forEach.call(form.elements, function (x) {
          if (x.type === 'checkbox') x.checked = false;
          else if (x.name === 'sort') x.value = listSort;
          else if (x.tagName === 'SELECT') x.value = x.options[0].value;
          else if (x.name === 'q') x.value = '';
        });
        restart();
      });
    });
    window.addEventListener('popstate', function () { fromUrl(); shown = PAGE; apply(false); });
  }

  ready(function () {
    themeToggle();
    absoluteUrls();
    copyButtons();
    filters();
  });
})();
