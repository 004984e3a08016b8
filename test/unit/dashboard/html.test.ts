import { escapeHtml, html } from '../../../src/dashboard/html';

describe('html template', () => {
  it('escapes every interpolated value, in content and in attributes', () => {
    const image = `<script>alert(1)</script>" onmouseover='x' &`;
    expect(html`<td title="${image}">${image}</td>`.text).toBe(
      '<td title="&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover=&#39;x&#39; &amp;">&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover=&#39;x&#39; &amp;</td>',
    );
  });

  it('inserts its own fragments as they are, and lists of values one after the other', () => {
    const items = ['<a>', 'b'].map((t) => html`<li>${t}</li>`);
    expect(html`<ul>${items}</ul>`.text).toBe('<ul><li>&lt;a&gt;</li><li>b</li></ul>');
  });

  it('renders null, undefined and false as nothing, numbers as text', () => {
    expect(html`${null}${undefined}${false}${0}${12.5}`.text).toBe('012.5');
  });

  it('escapes the five characters that can end text or an attribute value', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});
