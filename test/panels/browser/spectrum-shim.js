/* global customElements, HTMLElement */
// Test-only stand-ins for two UXP built-in Spectrum widgets, which Chromium does not have: UXP draws
// sp-progressbar and sp-button natively. Just enough to see the bar fill and click a button; layout of
// other sp-* tags comes from spectrum-shim.css.
customElements.define(
  'sp-progressbar',
  class extends HTMLElement {
    static observedAttributes = ['value', 'max', 'label'];
    constructor() {
      super();
      const root = this.attachShadow({ mode: 'open' });
      root.innerHTML =
        '<style>:host{display:block}.l{font:11px sans-serif;color:#ddd}.t{height:8px;background:#4b4b4b;border-radius:4px;overflow:hidden}.f{height:100%;background:#2680eb}</style>' +
        '<div class="l"></div><div class="t"><div class="f"></div></div>';
    }
    attributeChangedCallback() {
      const max = Number(this.getAttribute('max') || 100);
      const value = Number(this.getAttribute('value') || 0);
      this.shadowRoot.querySelector('.f').style.width = `${Math.max(0, Math.min(100, (100 * value) / max))}%`;
      this.shadowRoot.querySelector('.l').textContent = this.getAttribute('label') || '';
    }
  },
);
