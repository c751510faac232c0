// vftest HTML report (vftest/reports/html.py): draws the cases from the JSON block, lazily.
(function () {
  const data = JSON.parse(document.getElementById('vftest-data').textContent);
  const el = (tag, cls, text) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  };
  const summary = document.getElementById('summary');
  summary.appendChild(el('h1', '', 'vftest report'));
  const counts = el('div', 'counts');
  for (const [key, value] of Object.entries(data.counts)) {
    if (value) counts.appendChild(el('span', 'count-' + key, value + ' ' + key));
  }
  summary.appendChild(counts);
  summary.appendChild(el('div', 'facts', [data.environments.join(', '), data.apis.join(', '),
    data.cases.length + ' cases in ' + data.duration.toFixed(1) + ' s', data.started]
    .filter(Boolean).join(' · ')));
  const bad = data.cases.filter(c => ['failed', 'error', 'xpassed'].includes(c.outcome));
  if (bad.length) {
    const links = el('div', 'failures', 'Failures: ');
    bad.forEach((c, i) => {
      const a = el('a', '', c.name);
      a.href = '#case-' + data.cases.indexOf(c);
      links.appendChild(a);
      if (i < bad.length - 1) links.appendChild(document.createTextNode(', '));
    });
    summary.appendChild(links);
  }

  // Agent coverage (--vftest-cov): per agent, the figures, each diagram's steps as tiles (hit
  // or missed, the snippet as tooltip), then the missed paths, intents and buttons.
  const coverage = document.getElementById('coverage');
  (data.coverage || []).forEach(agent => {
    coverage.classList.remove('hidden');
    const box = el('div', 'cov-agent');
    box.appendChild(el('h2', '', 'Agent coverage: ' + agent.agent));
    const figures = el('div', 'figures');
    [['steps', agent.steps], ['paths', agent.paths], ['intents', agent.intents], ['buttons', agent.buttons]]
      .forEach(([name, f]) => figures.appendChild(el('span', 'figure', name + ' ' + f.hit + '/' + f.total + ' (' + f.percent.toFixed(1) + '%)')));
    box.appendChild(figures);
    agent.diagrams.forEach(d => {
      const diagram = el('div', 'diagram');
      diagram.appendChild(el('h3', '', d.name + ': ' + d.hit + '/' + d.total + ' steps'));
      const tiles = el('div', 'tiles');
      d.steps.forEach(s => {
        const tile = el('span', 'step ' + (s.hit ? 'hit' : 'missed'), s.id);
        tile.title = s.type + (s.snippet ? ': ' + s.snippet : '') + (s.hit ? '' : ' (missed)');
        tiles.appendChild(tile);
      });
      diagram.appendChild(tiles);
      box.appendChild(diagram);
    });
    const missed = [
      ['steps', agent.diagrams.flatMap(d => d.missed.map(s => d.name + ' ' + s.id + ' (' + s.type + ')' + (s.snippet ? ': ' + s.snippet : '')))],
      ['paths', agent.paths.missed.map(p => p.diagram + ' ' + p.step + ' → ' + p.target + ': ' + p.path)],
      ['intents', agent.intents.missed.map(i => i.intent)],
      ['buttons', agent.buttons.missed.map(b => b.diagram + ' ' + b.step + ': ' + b.label)],
    ];
    missed.filter(([, items]) => items.length).forEach(([name, items]) => {
      const list = el('div', 'missed-list');
      list.appendChild(el('h3', '', 'Missed ' + name));
      const ul = el('ul');
      items.forEach(text => ul.appendChild(el('li', '', text)));
      list.appendChild(ul);
      box.appendChild(list);
    });
    coverage.appendChild(box);
  });

  function chip(text, cls) { return el('span', 'chip' + (cls ? ' ' + cls : ''), text); }
  function chipRow(text, cls) { const row = el('div', 'chips'); row.appendChild(chip(text, cls)); return row; }
  function card(c) {
    const box = el('div', 'card');
    if (c.title) box.appendChild(el('div', 'title', c.title));
    if (c.description) box.appendChild(el('div', 'description', c.description));
    if (c.image) {
      const a = el('a', 'image', 'image: ' + c.image);
      a.href = c.image; a.rel = 'noreferrer';
      box.appendChild(a);
    }
    if (c.buttons && c.buttons.length) {
      const chips = el('div', 'chips');
      c.buttons.forEach(b => chips.appendChild(chip(b.label)));
      box.appendChild(chips);
    }
    return box;
  }
  function agentItem(item) {
    const kind = Object.keys(item)[0];
    const value = item[kind];
    if (kind === 'text' || kind === 'speak') return el('div', 'bubble agent ' + kind, value);
    if (kind === 'buttons') {
      const chips = el('div', 'chips buttons');
      (value || []).forEach(b => chips.appendChild(chip(b.label)));
      return chips;
    }
    if (kind === 'card') return card(value || {});
    if (kind === 'carousel') {
      const row = el('div', 'carousel');
      (value || []).forEach(c => row.appendChild(card(c)));
      return row;
    }
    if (kind === 'visual') {
      const a = el('a', 'chip event', 'image: ' + value);
      a.href = value; a.rel = 'noreferrer';
      return a;
    }
    if (kind === 'end') return chipRow('end', 'event end');
    if (kind === 'no_reply') return chipRow('no reply after ' + value + ' s', 'event');
    if (kind === 'custom') return chipRow('custom action: ' + value.name, 'event custom');
    return el('div', 'meta', kind + ': ' + JSON.stringify(value));
  }
  function drawBody(c, body) {
    const meta = [c.suite + (c.line ? ':' + c.line : ''), c.user && 'user ' + c.user,
      c.environment, c.api, c.duration !== undefined && c.duration + ' s'].filter(Boolean);
    body.appendChild(el('div', 'meta', meta.join(' · ')));
    for (const t of c.turns) {
      const turn = el('div', 'turn' + (t.failed.length ? ' failing' : ''));
      turn.appendChild(el('div', 'meta', 'turn ' + t.n + (t.latency != null ? ' · ' + Math.round(t.latency * 1000) + ' ms' : '')));
      turn.appendChild(el('div', 'bubble user', t.user));
      t.agent.forEach(item => turn.appendChild(agentItem(item)));
      if (!t.sent) turn.appendChild(el('div', 'meta', '(not sent)'));
      for (const f of t.failed) {
        turn.appendChild(el('div', 'verdict', 'FAIL ' + f.where + '  ' + f.label +
          (f.details.length ? '\n' + f.details.join('\n') : '')));
      }
      t.violations.forEach(v => turn.appendChild(el('div', 'violation', 'contract: ' + v)));
      body.appendChild(turn);
    }
    if (c.planned && c.planned > c.turns.length) {
      body.appendChild(el('div', 'meta', (c.planned - c.turns.length) + ' more turns not played'));
    }
    if (c.failure) body.appendChild(el('pre', 'report', c.failure));
  }

  const main = document.getElementById('cases');
  const suites = new Set(), tags = new Set();
  const sections = data.cases.map((c, index) => {
    suites.add(c.suite); (c.tags || []).forEach(t => tags.add(t));
    const section = el('section', 'case ' + c.outcome);
    section.id = 'case-' + index;
    const head = el('h2');
    head.appendChild(el('span', 'badge', c.outcome));
    head.appendChild(el('span', 'name', c.name));
    head.appendChild(el('span', 'suite', c.suite));
    section.appendChild(head);
    const body = el('div', 'body hidden');
    section.appendChild(body);
    let drawn = false;
    const open = () => { if (!drawn) { drawBody(c, body); drawn = true; } body.classList.remove('hidden'); };
    head.addEventListener('click', () => (body.classList.contains('hidden') ? open() : body.classList.add('hidden')));
    if (['failed', 'error', 'xpassed'].includes(c.outcome)) open();
    main.appendChild(section);
    const text = [c.name, c.suite, c.message, (c.tags || []).join(' '),
      ...c.turns.map(t => t.user + ' ' + t.agent.map(i => JSON.stringify(i)).join(' '))].join(' ').toLowerCase();
    return {c, section, text, open};
  });
  [...suites].sort().forEach(s => { const o = el('option', '', s); o.value = s; document.getElementById('suite-filter').appendChild(o); });
  [...tags].sort().forEach(t => { const o = el('option', '', t); o.value = t; document.getElementById('tag-filter').appendChild(o); });
  function apply() {
    const failedOnly = document.getElementById('failed-only').checked;
    const suite = document.getElementById('suite-filter').value;
    const tag = document.getElementById('tag-filter').value;
    const query = document.getElementById('search').value.trim().toLowerCase();
    let shown = 0;
    for (const s of sections) {
      const visible = (!failedOnly || ['failed', 'error', 'xpassed'].includes(s.c.outcome)) &&
        (!suite || s.c.suite === suite) && (!tag || (s.c.tags || []).includes(tag)) &&
        (!query || s.text.includes(query));
      s.section.classList.toggle('hidden', !visible);
      if (visible) shown++;
    }
    document.getElementById('shown').textContent = shown + ' of ' + sections.length + ' cases';
  }
  ['failed-only', 'suite-filter', 'tag-filter', 'search'].forEach(id =>
    document.getElementById(id).addEventListener('input', apply));
  apply();
})();
