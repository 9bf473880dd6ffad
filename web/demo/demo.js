// The demo page, as a classic script in the page's head, after
// ../src/edgesignals.js, which defines the global EdgeSignals it uses. It
// starts the Go module at once, so that the module downloads, compiles and
// starts while the browser parses and lays out the page; the page's controls
// are wired once the document is parsed.
(() => {
  'use strict';

  // The module this script's tag names (the example Worker names it by its
  // content hash, and the page's <link rel="preload"> has it on its way).
  const started = performance.now();
  const loading = EdgeSignals.load(document.currentScript.dataset.wasm);
  loading.catch(() => {}); // main reports a failure, once the page can show it
  const parsed = new Promise((resolve) => {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', resolve, { once: true });
    else resolve();
  });

  const STOCK = { tea: 8, coffee: 10, matcha: 3 };

  const $ = (id) => document.getElementById(id);
  let form, submit, result, chips, toggle, status; // the page's controls, once it is parsed

  function findControls() {
    form = $('order-form');
    submit = $('submit');
    result = $('result');
    chips = $('listeners');
    toggle = $('stock-toggle');
    status = $('status');
  }

  // A JavaScript listener's error reaches tryEmit as thrown; Go's errors
  // (GoError) carry the key of the listener that failed, so this one does too.
  class StockError extends Error {
    name = 'StockError';
    key = 'js:stock';
  }

  function checkStock(order) {
    const left = STOCK[order.item] ?? 0;
    if (order.quantity > left) {
      throw new StockError(`stock: only ${left} × ${order.item} left, you asked for ${order.quantity}`);
    }
  }

  function readOrder() {
    const quantity = $('quantity').value.trim();
    return {
      item: $('item').value,
      // Sent as typed, even out of range: checking it is the listeners' job.
      quantity: quantity === '' ? null : Number(quantity),
      email: $('email').value.trim(),
    };
  }

  const describe = (order) => `${order.quantity ?? '?'} × ${order.item || '(no item)'}`;

  function showResult(ok, title, detail) {
    result.hidden = false;
    result.className = `result ${ok ? 'ok' : 'error'}`;
    result.replaceChildren(el('strong', title));
    if (detail) result.append(el('span', detail));
  }

  function renderListeners(orders) {
    chips.replaceChildren(...orders.keys().map((key) => {
      const lang = key.startsWith('go:') ? 'go' : 'js';
      const chip = el('li', '', `chip ${lang}`);
      chip.dataset.key = key;
      chip.append(el('span', lang === 'go' ? 'Go' : 'JS', 'lang'), el('code', key));
      return chip;
    }));
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function timestamp() {
    const now = new Date();
    const pad = (n, width = 2) => String(n).padStart(width, '0');
    return `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${pad(now.getMilliseconds(), 3)}`;
  }

  // Names this tab in the orders it shares.
  const TAB = `tab ${Math.random().toString(36).slice(2, 6)}`;

  // Connects to the hub at path and lists the orders of its signal "orders";
  // returns the remote signal.
  async function startLive(path, log) {
    const { connect } = await import('../src/hub.js');
    const card = $('live');
    const list = $('live-orders');
    const state = $('live-status');
    card.hidden = false;
    const hub = connect(new URL(path, location.href), {
      onGap: ({ from, to }) => log.emit({ kind: 'error', text: `hub: orders ${from} to ${to - 1} were missed` }),
    });
    const orders = hub.signal('orders');
    orders.addListener(({ item, quantity, from }) => {
      const line = el('li', '', from === TAB ? 'ok' : 'info');
      const who = from === TAB ? 'this tab' : from;
      line.append(el('time', `#${orders.seq}`), el('span', `${quantity} × ${item} (${who})`));
      line.dataset.seq = orders.seq;
      list.append(line);
      list.scrollTop = list.scrollHeight;
    }, 'js:live');
    // The first emit waits for the socket: show when it is up.
    const watch = setInterval(() => {
      state.textContent = orders.connected ? `connected as ${TAB}` : 'connecting…';
      state.classList.toggle('ready', orders.connected);
      document.body.dataset.live = orders.connected ? 'connected' : 'connecting';
    }, 100);
    window.addEventListener('pagehide', () => {
      clearInterval(watch);
      hub.close();
    });
    return orders;
  }

  async function main() {
    await parsed;
    findControls();
    const es = await loading;

    // The log: an async signal, so writing a line never holds up an order.
    const log = es.createSignal({ async: true, name: 'log' });
    const lines = $('log');
    log.addListener(({ kind, text }) => {
      const line = el('li', '', kind);
      line.append(el('time', timestamp()), el('span', text));
      lines.append(line);
      lines.scrollTop = lines.scrollHeight;
    }, 'js:log-view');
    $('clear-log').addEventListener('click', () => lines.replaceChildren());

    // Naming the signal "orders" is what adds the Go listener "go:validate".
    const orders = es.createSignal({ name: 'orders' });
    orders.addListener(checkStock, 'js:stock');
    renderListeners(orders);

    toggle.addEventListener('change', () => {
      if (toggle.checked) orders.addListener(checkStock, 'js:stock');
      else orders.removeListener('js:stock');
      renderListeners(orders);
      log.emit({ kind: 'info', text: `js:stock ${toggle.checked ? 'added' : 'removed'}; listeners: ${orders.keys().join(', ')}` });
    });

    // The hub: when the Worker serving this page has one, accepted orders
    // are shared with every other tab through its signal "orders".
    const live = document.body.dataset.hub ? await startLive(document.body.dataset.hub, log) : null;

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const order = readOrder();
      log.emit({ kind: 'info', text: `submitted ${describe(order)} for ${order.email || '(no email)'}` });
      submit.disabled = true;
      try {
        await orders.tryEmit(order);
        showResult(true, `Order placed: ${describe(order)}`);
        log.emit({ kind: 'ok', text: `accepted ${describe(order)}` });
        live?.emit({ item: order.item, quantity: order.quantity, from: TAB });
      } catch (err) {
        const who = err.key ?? 'a listener';
        const lang = err.name === 'GoError' ? 'Go' : 'JavaScript';
        showResult(false, `Rejected by ${who} (${lang})`, err.message);
        log.emit({ kind: 'error', text: `rejected by ${who}: ${err.message}` });
      } finally {
        submit.disabled = false;
      }
    });

    for (const preset of document.querySelectorAll('.preset')) {
      preset.addEventListener('click', () => {
        $('item').value = preset.dataset.item;
        $('quantity').value = preset.dataset.quantity;
        $('email').value = preset.dataset.email;
        form.requestSubmit();
      });
    }

    submit.disabled = false;
    toggle.disabled = false;
    status.textContent = `Ready: edgesignals.wasm started in ${Math.round(performance.now() - started)} ms`;
    status.classList.add('ready');
    document.body.dataset.state = 'ready';
    log.emit({ kind: 'info', text: 'ready: Go listener go:validate joined "orders"' });
    followFeed(document.body.dataset.feed, log);
  }

  // Served by the example Worker, the page names its live feed of accepted
  // orders (Server-Sent Events from Go, GET /api/events): each one goes to
  // the log as it happens, whoever placed it.
  function followFeed(url, log) {
    if (!url || typeof EventSource !== 'function') return;
    const feed = new EventSource(url);
    feed.onopen = () => (document.body.dataset.feedState = 'open');
    feed.addEventListener('order', (event) => {
      const order = JSON.parse(event.data);
      log.emit({ kind: 'ok', text: `edge: order #${order.id} accepted (${order.quantity} × ${order.item})` });
    });
  }

  main().catch(async (err) => {
    await parsed;
    findControls();
    status.textContent = `Could not start edgesignals: ${err.message}`;
    status.classList.add('failed');
    document.body.dataset.state = 'failed';
    console.error(err);
  });
})();
