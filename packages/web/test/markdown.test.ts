// Renders the UI's Markdown component with React's server renderer (the same React the browser
// runs) and checks what reaches the DOM: no raw HTML, no script-capable URLs. The browser-level
// XSS tests (test/e2e/xss.test.ts) check that nothing executes; these pin the sanitising rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { Markdown, safeUrl } from '../src/components/Markdown';

const render = (text: string) => renderToStaticMarkup(createElement(Markdown, { text }));

test('raw HTML in markdown is dropped, never rendered as elements', () => {
  const html = render('Hello <script>alert(1)</script> <img src=x onerror=alert(2)> <iframe src="https://evil.example"></iframe> **bold**');
  assert.ok(!/<script|<img|<iframe|onerror/i.test(html), html);
  assert.match(html, /<strong>bold<\/strong>/);
});

test('javascript:, data: and vbscript: links lose their URL; http(s), mailto and relative links keep it', () => {
  const html = render(
    '[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](data:text/html;base64,PHNjcmlwdD4=) [d](vbscript:msgbox) [e](https://example.org/x) [f](mailto:soc@example.org) [g](/cases/1)',
  );
  assert.ok(!/javascript:|data:|vbscript:/i.test(html), html);
  assert.match(html, /href="https:\/\/example.org\/x"/);
  assert.match(html, /href="mailto:soc@example.org"/);
  assert.match(html, /href="\/cases\/1"/);
  assert.match(html, /rel="noopener noreferrer nofollow"/);
});

test('images are not loaded: an image becomes its alt text', () => {
  const html = render('![logo](https://tracker.example/pixel.png) ![x](javascript:alert(1))');
  assert.ok(!/<img/i.test(html), html);
  assert.match(html, /\[image: logo\]/);
});

test('safeUrl rejects dangerous schemes even with control characters or spaces in them', () => {
  for (const url of [
    'javascript:alert(1)',
    ' javascript:alert(1)',
    'java\tscript:alert(1)',
    'java\nscript:x',
    'JAVASCRIPT:x',
    'data:text/html,x',
    'vbscript:x',
    'file:///etc/passwd',
    'blob:https://x/y',
    'chrome://settings',
  ]) {
    assert.equal(safeUrl(url), '', JSON.stringify(url));
  }
  for (const url of ['https://example.org', 'http://example.org/a?b=c', 'mailto:a@b.c', '/cases/~1', '#anchor', 'relative/path', './x', '../y']) {
    assert.equal(safeUrl(url), url, url);
  }
});

test('empty or missing text renders nothing', () => {
  assert.equal(render(''), '');
});
