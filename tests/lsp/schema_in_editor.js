// Drives yaml-language-server over LSP on stdio with docs/profile.schema.json,
// the way an editor does, and checks what a profile author sees: completion
// offers the table's names inside controls.proc2, exceptions.trap and on_exit;
// misspelled names and sizes the parser refuses are flagged; every shipped
// profile is clean. The schema comes once from .vscode/settings.json's
// yaml.schemas (sent as workspace/didChangeConfiguration) and once from a
// document's modeline.
//   node schema_in_editor.js SERVER_JS SOURCE_DIR
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');

const [serverJs, sourceDir] = process.argv.slice(2);
if (!serverJs || !sourceDir) {
  console.error('usage: node schema_in_editor.js SERVER_JS SOURCE_DIR');
  process.exit(2);
}
const uriOf = (p) => pathToFileURL(p).href;
const deadline = setTimeout(() => fail('timed out waiting for the language server'), 60000);

const server = spawn(process.execPath, [serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
server.on('exit', (code) => fail(`language server exited (${code})`));

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}
function fail(why) {
  console.error(`FAIL ${why}`);
  process.exit(1);
}

// LSP framing: Content-Length headers, JSON bodies.
let nextId = 1;
const pending = new Map();
const diagnostics = new Map();
const diagnosticWaiters = [];
function send(message) {
  const body = JSON.stringify({ jsonrpc: '2.0', ...message });
  server.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
function request(method, params) {
  const id = nextId++;
  send({ id, method, params });
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}
const notify = (method, params) => send({ method, params });

let buffer = Buffer.alloc(0);
server.stdout.on('data', (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  for (;;) {
    const end = buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const length = Number(/Content-Length: (\d+)/i.exec(buffer.slice(0, end).toString())[1]);
    if (buffer.length < end + 4 + length) return;
    const message = JSON.parse(buffer.slice(end + 4, end + 4 + length).toString());
    buffer = buffer.slice(end + 4 + length);
    dispatch(message);
  }
});

let settings = {};
function dispatch(m) {
  if (m.id !== undefined && m.method) {
    // A request from the server: configuration is answered from our settings.
    const result = m.method === 'workspace/configuration' ? m.params.items.map((i) => (i.section ? settings[i.section] ?? null : settings)) : null;
    send({ id: m.id, result });
  } else if (m.id !== undefined) {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error) p.reject(new Error(m.error.message));
    else p.resolve(m.result);
  } else if (m.method === 'textDocument/publishDiagnostics') {
    diagnostics.set(m.params.uri, m.params.diagnostics);
    for (const w of diagnosticWaiters.splice(0)) w();
  }
}

// Diagnostics arrive after a debounce; the latest set for a URI counts.
async function diagnosticsOf(uri) {
  const settle = () => new Promise((r) => setTimeout(r, 300));
  while (!diagnostics.has(uri)) await new Promise((r) => diagnosticWaiters.push(r));
  await settle();
  return diagnostics.get(uri);
}

let version = 0;
function open(file, text) {
  const uri = uriOf(file);
  notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: ++version, text } });
  return uri;
}

// Asked once the server has validated the document (so its schema is loaded).
async function completionLabels(uri, line, character) {
  await diagnosticsOf(uri);
  const r = await request('textDocument/completion', { textDocument: { uri }, position: { line, character } });
  return (Array.isArray(r) ? r : (r && r.items) || []).map((i) => i.label);
}

const profileDoc = (body) =>
  ['appliance: {name: lsp, target: bochs-tigerlake}', 'guests:', '  - name: g', ...body].join('\n') + '\n';

async function main() {
  await request('initialize', {
    processId: process.pid,
    rootUri: uriOf(sourceDir),
    workspaceFolders: [{ uri: uriOf(sourceDir), name: 'vtx' }],
    capabilities: {
      workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } },
      textDocument: { completion: { completionItem: { snippetSupport: false } }, publishDiagnostics: {} },
    },
  });
  notify('initialized', {});

  // The shipped editor settings, with the schema path made absolute.
  const vscode = JSON.parse(fs.readFileSync(path.join(sourceDir, '.vscode/settings.json'), 'utf8'));
  const schemas = {};
  for (const [schema, globs] of Object.entries(vscode['yaml.schemas'])) schemas[uriOf(path.join(sourceDir, schema))] = globs;
  settings = { yaml: { schemas, validate: true, completion: true, hover: true, yamlVersion: '1.2' } };
  notify('workspace/didChangeConfiguration', { settings });

  // Completion: a proc2 control, an exception mnemonic, an on_exit exit reason.
  const proc2 = open(path.join(sourceDir, 'profiles/lsp-completion-proc2.yaml'), profileDoc(['    controls:', '      proc2:', '        - ']));
  const labels = await completionLabels(proc2, 5, 10);
  check(labels.includes('enable-ept') && labels.includes('unrestricted-guest'), `completion in controls.proc2 offers enable-ept (${labels.length} items)`);
  check(!labels.includes('hlt-exiting'), 'completion in controls.proc2 offers no primary control (hlt-exiting)');

  const trap = open(path.join(sourceDir, 'profiles/lsp-completion-trap.yaml'), profileDoc(['    exceptions:', '      trap:', '        - ']));
  check((await completionLabels(trap, 5, 10)).includes('gp'), 'completion in exceptions.trap offers gp');

  const onExit = open(path.join(sourceDir, 'profiles/lsp-completion-on-exit.yaml'), profileDoc(['    on_exit:', '      ']));
  const exitLabels = await completionLabels(onExit, 4, 6);
  check(exitLabels.includes('cpuid') && exitLabels.includes('ept-violation') && exitLabels.includes('pf'), 'completion in on_exit offers cpuid, ept-violation and pf');

  // Diagnostics: one per misspelling, on its line.
  const bad = open(
    path.join(sourceDir, 'profiles/lsp-misspelled.yaml'),
    profileDoc([
      '    memory:',
      '      - {gpa: 0, size: 1.5M}', // line 4: the parser refuses 1.5M
      '    controls:',
      '      proc2: [virtualise-apic-accesses]', // line 6
      '    exceptions:',
      '      trap: [gpf]', // line 8
      '    on_exit:',
      '      cpuidd: skip', // line 10
      '    msr:',
      '      pass: [ia32-sysenter-eipp]', // line 12
    ])
  );
  const found = await diagnosticsOf(bad);
  for (const [line, what] of [[4, 'size: 1.5M'], [6, 'virtualise-apic-accesses'], [8, 'gpf'], [10, 'cpuidd'], [12, 'ia32-sysenter-eipp']])
    check(found.some((d) => d.range.start.line === line), `a diagnostic flags ${what} (line ${line + 1})`);

  // What the parser accepts is not flagged: sizes with units and B/KiB,
  // underscores, hex, names or numbers for MSRs, port ranges, booleans as words.
  const good = open(
    path.join(sourceDir, 'profiles/lsp-accepted.yaml'),
    profileDoc([
      '    memory:',
      '      - {gpa: 0x1000, size: 1MB, kind: ram, perm: rwx, memory_type: wb, page_size: 4KiB}',
      '      - {gpa: 1_048_576, size: 0b1000000000000, page_size: 2M}',
      '    controls: {proc2: [enable-ept, virtualize-apic-accesses]}',
      '    exceptions: {trap: [gp, pf], pfec_mask: 0x0}',
      '    on_exit: {cpuid: {action: override, leaf: 0, eax: 0x1}, gp: reflect, hlt: stop}',
      '    msr: {pass: [ia32-sysenter-eip, IA32_SYSENTER_ESP, 0x176], entry_load: [{msr: ia32-tsc-aux, value: 1}]}',
      '    io: {pass: ["0x60-0x64", 0x70]}',
      '    preemption_timer: {time: 50us, action: slice}',
      '    bench: {exit_floor_stub: yes}',
    ])
  );
  const goodFound = await diagnosticsOf(good);
  check(goodFound.length === 0, `accepted spellings are not flagged${goodFound.length ? ': ' + goodFound.map((d) => `line ${d.range.start.line + 1}: ${d.message}`).join('; ') : ''}`);

  // The modeline alone: a document outside profiles/ names the schema itself.
  const modeline = open(
    path.join(sourceDir, 'tests/lsp/modeline-only.yaml'),
    '# yaml-language-server: $schema=../../docs/profile.schema.json\n' + profileDoc(['    controls: {proc2: [enable-eptt]}'])
  );
  check((await diagnosticsOf(modeline)).some((d) => d.range.start.line === 4), 'the modeline alone brings the schema (enable-eptt flagged)');

  // Every shipped profile is clean under the schema it names in its modeline.
  const profiles = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.yaml')) profiles.push(p);
    }
  };
  walk(path.join(sourceDir, 'profiles'));
  for (const p of profiles) {
    const text = fs.readFileSync(p, 'utf8');
    check(text.startsWith('# yaml-language-server: $schema='), `${path.relative(sourceDir, p)} starts with the schema modeline`);
    const d = await diagnosticsOf(open(p, text));
    check(d.length === 0, `${path.relative(sourceDir, p)} has no diagnostics${d.length ? ': ' + d.map((x) => `line ${x.range.start.line + 1}: ${x.message}`).join('; ') : ''}`);
  }

  await request('shutdown', null);
  server.removeAllListeners('exit');
  notify('exit', null);
  clearTimeout(deadline);
  console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
  process.exit(failures ? 1 : 0);
}

main().catch((e) => fail(e.stack || String(e)));
