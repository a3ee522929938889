/* stachub: runs in <head> before the page is painted. Marks the page as scripted (the list filters
   are shown only then) and applies the colour theme the visitor chose. */
document.documentElement.className += ' js';
try {
  var t = window.localStorage.getItem('stachub-theme');
  if (t === 'light' || t === 'dark') document.documentElement.setAttribute('data-theme', t);
} catch (e) { /* storage disabled: follow the system theme */ }
