/*
 * The recorded station search API, in the browser: answers fetch("/api/stations?q=...") from
 * recordings.json (slow, failing and other recorded answers) and stations.json (everything else),
 * with the recorded delays, and honours an AbortController's signal like the real fetch does.
 *
 * "Run checks" installs this before your scripts run. To work locally, put this data/ folder next
 * to index.html, serve the folder (python3 -m http.server) and keep the <script> tag that loads it.
 * Every request is logged in window.__recordedApi.log, which is handy in the console.
 */
(function () {
  "use strict";
  if (window.__recordedApi) return; // already installed

  const MAX_RESULTS = 8;
  const DEFAULT_DELAY_MS = 80;
  const realFetch = window.fetch.bind(window);
  const api = { log: [] };
  window.__recordedApi = api;

  const here = document.currentScript ? document.currentScript.src : new URL("data/api/", location.href).href;
  const data = window.__RECORDED_API_DATA
    ? Promise.resolve(window.__RECORDED_API_DATA)
    : Promise.all(["stations.json", "recordings.json"].map((name) => realFetch(new URL(name, here)).then((r) => r.json())))
        .then(([stations, recordings]) => ({ stations, recordings }));

  function answer(query, { stations, recordings }) {
    const key = query.trim().toLowerCase();
    if (Object.hasOwn(recordings.responses, key)) return recordings.responses[key];
    const hits = key ? stations.stations.filter((s) => {
      const name = s.name.toLowerCase();
      return name.startsWith(key) || name.split(/[\s-]+/).some((word) => word.startsWith(key));
    }) : [];
    return { status: 200, delay_ms: DEFAULT_DELAY_MS,
             body: { query, total: hits.length, results: hits.slice(0, MAX_RESULTS) } };
  }

  window.fetch = function (input, init) {
    const href = typeof input === "string" || input instanceof URL ? String(input) : input.url;
    const url = new URL(href, "http://recorded-api.invalid/");
    if (!url.pathname.endsWith("/api/stations")) return realFetch(input, init);
    const query = url.searchParams.get("q") || "";
    const signal = (init && init.signal) || (input instanceof Request ? input.signal : null);
    const entry = { q: query, sentAt: performance.now(), doneAt: null, status: null, aborted: false };
    api.log.push(entry);
    return new Promise((resolve, reject) => {
      let timer = null;
      const abort = () => {
        clearTimeout(timer);
        if (entry.doneAt !== null) return;
        entry.aborted = true;
        entry.doneAt = performance.now();
        reject(new DOMException("The user aborted a request.", "AbortError"));
      };
      if (signal && signal.aborted) return abort();
      if (signal) signal.addEventListener("abort", abort, { once: true });
      data.then((recorded) => {
        const reply = answer(query, recorded);
        timer = setTimeout(() => {
          if (entry.aborted) return;
          entry.status = reply.status;
          entry.doneAt = performance.now();
          resolve(new Response(JSON.stringify(reply.body),
                               { status: reply.status, headers: { "Content-Type": "application/json" } }));
        }, reply.delay_ms);
      }, reject);
    });
  };
})();
