/**
 * The shared panel view (core/src/panel/panel-view.ts) is written with UXP's built-in Spectrum tags
 * (sp-button, sp-dropdown, sp-slider...). UXP draws them natively; CEP is plain Chromium (CEF 88 in
 * CEP 11, 99 in CEP 12), which does not know them. These custom elements give each tag the behaviour the
 * view relies on, on top of native controls: the same attributes (value, min, max, step, checked,
 * disabled, selected) and the same reads from events (`value`, `checked`, `selectedIndex` on the element
 * that fired `change`). No framework and no Adobe library, so the panel ships as a few small files.
 */

/** `change` from a control inside a shadow root does not cross it: re-fire it on the element itself. */
function forwardChange(from: EventTarget, to: HTMLElement): void {
  from.addEventListener('change', (e) => {
    e.stopPropagation();
    to.dispatchEvent(new Event('change', { bubbles: true }));
  });
}

const BASE_CSS = ':host{display:block}[hidden]{display:none}';

class SpButton extends HTMLElement {
  constructor() {
    super();
    // A disabled button swallows the click before the view's listener sees it.
    this.addEventListener(
      'click',
      (e) => {
        if (this.hasAttribute('disabled')) e.stopImmediatePropagation();
      },
      true,
    );
    this.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.click();
      }
    });
  }
  connectedCallback(): void {
    // Attributes only once connected: a custom element's constructor must not add any.
    this.setAttribute('role', 'button');
    if (!this.hasAttribute('tabindex')) this.tabIndex = 0;
  }
}

class SpProgressbar extends HTMLElement {
  static observedAttributes = ['value', 'max', 'label'];
  private readonly fill: HTMLElement;
  private readonly text: HTMLElement;
  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML =
      `<style>${BASE_CSS}.l{font-size:11px;opacity:.8}.t{height:6px;background:#4b4b4b;border-radius:3px;overflow:hidden}` +
      '.f{height:100%;width:0;background:#2680eb}</style><div class="l"></div><div class="t"><div class="f"></div></div>';
    this.fill = root.querySelector('.f') as HTMLElement;
    this.text = root.querySelector('.l') as HTMLElement;
  }
  attributeChangedCallback(): void {
    const max = Number(this.getAttribute('max') || 100);
    const value = Number(this.getAttribute('value') || 0);
    this.fill.style.width = `${Math.max(0, Math.min(100, (100 * value) / max))}%`;
    this.text.textContent = this.getAttribute('label') || '';
  }
}

/** A native <select> built from the sp-menu-item children the view appends (and replaces). */
class SpDropdown extends HTMLElement {
  static observedAttributes = ['disabled'];
  private readonly select: HTMLSelectElement;
  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML =
      `<style>${BASE_CSS}select{width:100%;background:#1f1f1f;color:inherit;border:1px solid #555;` +
      'border-radius:4px;padding:3px}</style><select></select><slot hidden></slot>';
    this.select = root.querySelector('select') as HTMLSelectElement;
    forwardChange(this.select, this);
    new MutationObserver(() => this.rebuild()).observe(this, {
      childList: true,
      subtree: true,
      attributes: true,
      characterData: true,
    });
  }
  connectedCallback(): void {
    this.rebuild();
  }
  attributeChangedCallback(): void {
    this.select.disabled = this.hasAttribute('disabled');
  }
  get selectedIndex(): number {
    return this.select.selectedIndex;
  }
  set selectedIndex(i: number) {
    this.select.selectedIndex = i;
  }
  private rebuild(): void {
    const items = [...this.querySelectorAll('sp-menu-item')];
    this.select.replaceChildren(
      ...items.map((item) => {
        const option = document.createElement('option');
        option.value = item.getAttribute('value') ?? '';
        option.textContent = item.textContent;
        option.selected = item.hasAttribute('selected');
        return option;
      }),
    );
    if (this.getAttribute('placeholder') && !items.some((i) => i.hasAttribute('selected'))) {
      this.select.selectedIndex = -1;
    }
  }
}

abstract class InputWidget extends HTMLElement {
  protected readonly input: HTMLInputElement;
  constructor(type: string, template: string) {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML =
      `<style>${BASE_CSS}label{display:flex;align-items:center;gap:6px}` +
      'input[type=text]{width:100%;box-sizing:border-box;background:#1f1f1f;color:inherit;border:1px solid #555;' +
      `border-radius:4px;padding:3px}input[type=range]{flex:1}</style>${template}`;
    this.input = root.querySelector('input') as HTMLInputElement;
    this.input.type = type;
    forwardChange(this.input, this);
  }
}

class SpTextfield extends InputWidget {
  static observedAttributes = ['value', 'placeholder', 'disabled'];
  constructor() {
    super('text', '<input>');
  }
  attributeChangedCallback(name: string, _old: string | null, value: string | null): void {
    if (name === 'value') this.input.value = value ?? '';
    else if (name === 'placeholder') this.input.placeholder = value ?? '';
    else this.input.disabled = value !== null;
  }
  get value(): string {
    return this.input.value;
  }
}

class SpSlider extends InputWidget {
  static observedAttributes = ['min', 'max', 'step', 'value', 'disabled'];
  private readonly shown: HTMLElement;
  constructor() {
    super('range', '<slot name="label"></slot><label><input><span></span></label>');
    this.shown = this.shadowRoot!.querySelector('span') as HTMLElement;
    this.input.addEventListener('input', () => (this.shown.textContent = this.input.value));
  }
  attributeChangedCallback(name: string, _old: string | null, value: string | null): void {
    if (name === 'disabled') this.input.disabled = value !== null;
    else if (value !== null) this.input.setAttribute(name, value);
    if (name === 'value' && value !== null) this.input.value = value;
    this.shown.textContent = this.input.value;
  }
  get value(): number {
    return Number(this.input.value);
  }
}

class SpCheckbox extends InputWidget {
  static observedAttributes = ['checked', 'disabled'];
  constructor() {
    super('checkbox', '<label><input><slot></slot></label>');
  }
  attributeChangedCallback(name: string, _old: string | null, value: string | null): void {
    if (name === 'checked') this.input.checked = value !== null;
    else this.input.disabled = value !== null;
  }
  get checked(): boolean {
    return this.input.checked;
  }
}

/** Registers the tags once (the page may be reloaded into the same CEF window). */
export function defineSpectrumWidgets(registry: CustomElementRegistry = customElements): void {
  const tags: [string, CustomElementConstructor][] = [
    ['sp-button', SpButton],
    ['sp-progressbar', SpProgressbar],
    ['sp-dropdown', SpDropdown],
    ['sp-textfield', SpTextfield],
    ['sp-slider', SpSlider],
    ['sp-checkbox', SpCheckbox],
  ];
  for (const [tag, ctor] of tags) if (!registry.get(tag)) registry.define(tag, ctor);
}
