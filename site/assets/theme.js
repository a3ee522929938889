/* stachub: apply the colour theme the visitor chose before the page is painted (loaded in <head>). */
try {
  var t = window.localStorage.getItem('stachub-theme');
  if (t === 'light' || t === 'dark') document.documentElement.setAttribute('data-theme', t);
} catch (e) { /* storage disabled: follow the system theme */ }
