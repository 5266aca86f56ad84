/**
 * The panel's DOM, built from UXP's built-in Spectrum widgets (sp-heading, sp-body, sp-dropdown, sp-menu,
 * sp-menu-item, sp-slider, sp-checkbox, sp-textfield, sp-button, sp-progressbar): no framework, no bundled
 * web components. It renders PanelController state and forwards widget events to the controller.
 * The document is passed in (UXP's `document`, or Chromium's in the headless test) through the small
 * structural interface below, so the view is typed without DOM lib types and without `any`.
 */
import {
  ANALYZE_EFFECT,
  type ClipJobState,
  type PanelController,
  type PanelState,
} from './panel-controller.ts';
import type { FieldValue, FormField } from './param-form.ts';
import type { FilePicker } from './file-picker.ts';
import { effectCard } from './model-card.ts';

/** `E` is the host's element type (UXP's `Element`, the DOM's `HTMLElement`), so appendChild(E) type-checks. */
export interface ViewElement<E> {
  textContent: string | null;
  readonly firstChild: unknown;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  appendChild(child: E): unknown;
  removeChild(child: never): unknown;
  addEventListener(type: string, listener: (event: { target: unknown }) => void): void;
}
export interface ViewDocument<E extends ViewElement<E>> {
  createElement(tag: string): E;
}

/** Widget properties read back from events (sp-slider/sp-textfield `value`, sp-checkbox `checked`, sp-dropdown `selectedIndex`). */
interface WidgetTarget {
  value?: unknown;
  checked?: unknown;
  selectedIndex?: unknown;
}
const widget = (target: unknown): WidgetTarget =>
  typeof target === 'object' && target !== null ? target : {};

const STATUS_TEXT: Record<ClipJobState['status'], string> = {
  rejected: 'Not processed',
  queued: 'Queued',
  running: 'Rendering',
  placing: 'Placing',
  placed: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export class PanelView<E extends ViewElement<E>> {
  private readonly status: E;
  private readonly pairRow: E;
  private readonly pairCode: E;
  private readonly effectPicker: E;
  private readonly form: E;
  private readonly card: E;
  private readonly applyButton: E;
  private readonly cancelButton: E;
  private readonly analyseButton: E;
  private readonly message: E;
  private readonly clipList: E;
  private renderedForm = '';
  private renderedCard = '';
  private renderedEffects = '';
  private renderedClips = '';
  private readonly clipRows = new Map<string, { row: E; title: E; bar: E; cancel: E; detail: E }>();
  private pairCodeValue = '';

  constructor(
    private readonly doc: ViewDocument<E>,
    root: E,
    private readonly controller: PanelController,
    hostLabel: string,
    /** The host's file dialog for path params; absent, they are text fields only. */
    private readonly pickFile?: FilePicker,
  ) {
    const heading = this.el('sp-heading', { size: 'S' }, `mlxvideo · ${hostLabel}`);
    this.status = this.el('sp-body', { size: 'S', 'data-role': 'status' });
    this.pairCode = this.el('sp-textfield', {
      placeholder: '6-digit code from `mlxv pair`',
      'data-role': 'pair-code',
    });
    this.pairCode.addEventListener(
      'input',
      (e) => (this.pairCodeValue = String(widget(e.target).value ?? '')),
    );
    const pairButton = this.el('sp-button', { variant: 'primary', 'data-role': 'pair' }, 'Pair');
    pairButton.addEventListener('click', () => void this.controller.pair(this.pairCodeValue));
    const connectButton = this.el('sp-button', { variant: 'secondary', 'data-role': 'connect' }, 'Connect');
    connectButton.addEventListener('click', () => void this.controller.connect());
    this.pairRow = this.el('div', { class: 'mlxv-row' });
    this.append(this.pairRow, [this.pairCode, pairButton, connectButton]);

    this.effectPicker = this.el('sp-dropdown', { placeholder: 'Effect', 'data-role': 'effect' });
    this.effectPicker.addEventListener('change', (e) => {
      const index = Number(widget(e.target).selectedIndex);
      const effect = this.controller.state.effects[index];
      if (effect) this.controller.selectEffect(effect.id);
    });
    this.form = this.el('div', { class: 'mlxv-form', 'data-role': 'form' });
    this.card = this.el('div', { class: 'mlxv-card', 'data-role': 'model-card' });
    this.applyButton = this.el(
      'sp-button',
      { variant: 'cta', 'data-role': 'apply' },
      'Apply to selected clips',
    );
    this.applyButton.addEventListener('click', () => void this.controller.apply());
    this.cancelButton = this.el('sp-button', { variant: 'warning', 'data-role': 'cancel-all' }, 'Cancel all');
    this.cancelButton.addEventListener('click', () => this.controller.cancel());
    this.analyseButton = this.el(
      'sp-button',
      { variant: 'secondary', 'data-role': 'analyse' },
      'Analyse: mark shots',
    );
    this.analyseButton.addEventListener('click', () => void this.controller.analyse());
    const actions = this.el('div', { class: 'mlxv-row' });
    this.append(actions, [this.applyButton, this.analyseButton, this.cancelButton]);
    this.message = this.el('sp-body', { size: 'S', class: 'mlxv-message', 'data-role': 'message' });
    this.clipList = this.el('div', { class: 'mlxv-clips', 'data-role': 'clips' });
    this.append(root, [
      heading,
      this.status,
      this.pairRow,
      this.effectPicker,
      this.form,
      this.card,
      actions,
      this.message,
      this.clipList,
    ]);
    controller.subscribe((s) => this.render(s));
  }

  private el(tag: string, attrs: Record<string, string> = {}, text?: string): E {
    const e = this.doc.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  private append(parent: E, children: E[]): void {
    for (const c of children) parent.appendChild(c);
  }

  private clear(parent: E): void {
    while (parent.firstChild) parent.removeChild(parent.firstChild as never);
  }

  private toggle(e: E, attr: string, on: boolean): void {
    if (on) e.setAttribute(attr, '');
    else e.removeAttribute(attr);
  }

  private render(s: PanelState): void {
    const connected = s.connection === 'connected';
    this.status.textContent = {
      disconnected: 'Not connected',
      connecting: 'Connecting…',
      unreachable: 'Daemon not running',
      'needs-pairing': 'Pairing needed',
      connected: 'Connected to the mlxvideo daemon',
    }[s.connection];
    this.status.setAttribute('data-state', s.connection);
    this.toggle(this.pairRow, 'hidden', connected);
    this.toggle(this.effectPicker, 'disabled', !connected || s.busy);
    this.toggle(this.applyButton, 'disabled', !connected || s.busy || !s.effectId);
    // A generator makes a new clip rather than processing the selected ones.
    const kind = s.effects.find((e) => e.id === s.effectId)?.kind;
    this.applyButton.textContent =
      kind === 'generator' ? 'Generate clip at the playhead' : 'Apply to selected clips';
    this.toggle(this.cancelButton, 'disabled', !s.busy);
    this.toggle(
      this.analyseButton,
      'disabled',
      !connected || s.busy || !s.effects.some((e) => e.id === ANALYZE_EFFECT),
    );
    this.message.textContent = s.message;
    this.renderEffects(s);
    this.renderForm(s);
    this.renderCard(s);
    this.renderClips(s);
  }

  private renderEffects(s: PanelState): void {
    const key = `${s.effects.map((e) => e.id).join()}|${s.effectId}`;
    if (key === this.renderedEffects) return;
    this.renderedEffects = key;
    this.clear(this.effectPicker);
    const menu = this.el('sp-menu', { slot: 'options' });
    for (const e of s.effects) {
      const item = this.el('sp-menu-item', { value: e.id }, e.label);
      if (e.id === s.effectId) item.setAttribute('selected', '');
      menu.appendChild(item);
    }
    this.effectPicker.appendChild(menu);
  }

  private renderForm(s: PanelState): void {
    // Rebuilt only when the effect changes: re-creating a slider while it is dragged would drop the drag.
    const key = `${s.effectId}|${s.fields.map((f) => f.name).join()}`;
    if (key === this.renderedForm) return;
    this.renderedForm = key;
    this.clear(this.form);
    for (const field of s.fields)
      this.form.appendChild(this.fieldWidget(field, s.values[field.name] ?? field.default));
  }

  /** The chosen effect's model cards under its form: where a model is chosen, say what it learned from. */
  private renderCard(s: PanelState): void {
    const effect = s.effects.find((e) => e.id === s.effectId);
    const key = effect ? `${effect.id}|${JSON.stringify(effect.modelCards ?? [])}` : '';
    if (key === this.renderedCard) return;
    this.renderedCard = key;
    this.clear(this.card);
    this.toggle(this.card, 'hidden', !effect);
    if (!effect) return;
    const card = effectCard(effect);
    this.card.appendChild(this.el('sp-detail', { class: 'mlxv-card-heading' }, 'ABOUT THIS EFFECT'));
    this.card.appendChild(this.el('sp-body', { size: 'S' }, card.about));
    if (card.note)
      this.card.appendChild(this.el('sp-body', { size: 'S', 'data-role': 'card-note' }, card.note));
    if (card.sections.length === 0) return;
    // Collapsed to one line by default: a docked panel is short, and the clip rows must stay in view.
    const details = this.el('div', { class: 'mlxv-card-models', 'data-role': 'card-models', hidden: '' });
    for (const section of card.sections) {
      const box = this.el('div', { class: 'mlxv-card-model', 'data-models': section.title });
      box.appendChild(this.el('sp-detail', { class: 'mlxv-card-title' }, section.title));
      for (const row of section.rows) {
        box.appendChild(
          this.el('sp-body', { size: 'XS', 'data-card': row.label }, `${row.label}: ${row.text}`),
        );
      }
      details.appendChild(box);
    }
    const toggle = this.el(
      'sp-button',
      { variant: 'secondary', quiet: '', 'data-role': 'card-toggle' },
      'Model cards',
    );
    let open = false;
    toggle.addEventListener('click', () => {
      open = !open;
      this.toggle(details, 'hidden', !open);
      toggle.textContent = open ? 'Hide model cards' : 'Model cards';
    });
    const row = this.el('div', { class: 'mlxv-row' });
    this.append(row, [
      this.el('sp-body', { size: 'XS', 'data-role': 'card-summary' }, card.summary ?? ''),
      toggle,
    ]);
    this.append(this.card, [row, details]);
  }

  private fieldWidget(field: FormField, value: FieldValue): E {
    const row = this.el('div', { class: 'mlxv-field', 'data-param': field.name });
    if (field.help) row.setAttribute('title', field.help);
    const set = (raw: unknown) => this.controller.setValue(field.name, raw);
    switch (field.kind) {
      case 'number': {
        const slider = this.el('sp-slider', {
          min: String(field.displayMin),
          max: String(field.displayMax),
          step: String(field.step),
          value: String(value),
          'show-value': '',
        });
        slider.appendChild(this.el('sp-label', { slot: 'label' }, field.label));
        slider.addEventListener('change', (e) => set(widget(e.target).value));
        row.appendChild(slider);
        break;
      }
      case 'choice': {
        row.appendChild(this.el('sp-label', {}, field.label));
        const dropdown = this.el('sp-dropdown', {});
        const menu = this.el('sp-menu', { slot: 'options' });
        for (const o of field.options) {
          const item = this.el('sp-menu-item', { value: o.value }, o.label);
          if (o.value === value) item.setAttribute('selected', '');
          menu.appendChild(item);
        }
        dropdown.appendChild(menu);
        dropdown.addEventListener('change', (e) =>
          set(field.options[Number(widget(e.target).selectedIndex)]?.value),
        );
        row.appendChild(dropdown);
        break;
      }
      case 'boolean': {
        const box = this.el('sp-checkbox', {}, field.label);
        if (value === true) box.setAttribute('checked', '');
        box.addEventListener('change', (e) => set(widget(e.target).checked === true));
        row.appendChild(box);
        break;
      }
      case 'path': {
        // The path stays editable (colorize takes a comma-separated list of references); the picker fills it.
        row.appendChild(this.el('sp-label', {}, field.label));
        const input = this.el('sp-textfield', {
          value: String(value),
          'data-role': 'path',
          class: 'mlxv-path',
        });
        input.addEventListener('change', (e) => set(widget(e.target).value));
        const line = this.el('div', { class: 'mlxv-row' });
        line.appendChild(input);
        row.appendChild(line);
        if (this.pickFile) {
          const choose = this.el(
            'sp-button',
            { variant: 'secondary', 'data-role': 'choose-file' },
            field.writes ? 'Save as…' : 'Choose…',
          );
          choose.addEventListener('click', () => void this.chooseFile(field, input));
          line.appendChild(choose);
        }
        break;
      }
      case 'color':
      case 'string': {
        row.appendChild(this.el('sp-label', {}, field.label));
        const text = Array.isArray(value) ? value.join(', ') : String(value);
        const input = this.el('sp-textfield', { value: text });
        input.addEventListener('change', (e) => {
          if (!set(widget(e.target).value))
            this.message.textContent = `${field.label}: cannot read that value.`;
        });
        row.appendChild(input);
        break;
      }
    }
    return row;
  }

  /** Opens the host's file dialog for a path field; a cancel keeps the current value. */
  private async chooseFile(field: Extract<FormField, { kind: 'path' }>, input: E): Promise<void> {
    try {
      const path = await this.pickFile!({
        title: field.label,
        fileTypes: field.fileTypes,
        ...(field.writes ? { save: { suggestedName: `${field.name}.${field.fileTypes[0] ?? 'txt'}` } } : {}),
      });
      if (path === null || !this.controller.setValue(field.name, path)) return;
      // Both: the attribute is what a freshly drawn field shows, the property what an edited one shows.
      input.setAttribute('value', path);
      (input as unknown as { value: string }).value = path;
    } catch (err) {
      this.message.textContent = `${field.label}: ${(err as Error).message}`;
    }
  }

  /**
   * Rows are updated in place (rebuilt only when the set of clips changes): progress arrives several
   * times a second, and a rebuilt row would swallow a click on its Cancel button.
   */
  private renderClips(s: PanelState): void {
    const key = s.clips.map((c) => c.clipId).join();
    if (key !== this.renderedClips) {
      this.renderedClips = key;
      this.clear(this.clipList);
      this.clipRows.clear();
      for (const clip of s.clips) {
        const row = this.el('div', { class: 'mlxv-clip', 'data-clip': clip.clipId });
        const title = this.el('sp-body', { size: 'S' });
        const bar = this.el('sp-progressbar', { max: '100', value: '0', 'data-role': 'progress' });
        const cancel = this.el(
          'sp-button',
          { variant: 'secondary', quiet: '', 'data-role': 'cancel' },
          'Cancel',
        );
        cancel.addEventListener('click', () => this.controller.cancel(clip.clipId));
        const detail = this.el('sp-detail', { class: 'mlxv-clip-message' });
        this.append(row, [title, bar, cancel, detail]);
        this.clipList.appendChild(row);
        this.clipRows.set(clip.clipId, { row, title, bar, cancel, detail });
      }
    }
    for (const clip of s.clips) {
      const r = this.clipRows.get(clip.clipId);
      if (!r) continue;
      const active = clip.status === 'queued' || clip.status === 'running' || clip.status === 'placing';
      const pct = clip.total > 0 ? Math.round((100 * clip.done) / clip.total) : 0;
      r.row.setAttribute('data-status', clip.status);
      r.title.textContent = `${clip.name} — ${STATUS_TEXT[clip.status]}`;
      r.bar.setAttribute('value', String(clip.status === 'placed' ? 100 : pct));
      r.bar.setAttribute('label', `${clip.done}/${clip.total}`);
      this.toggle(r.bar, 'hidden', !active && clip.status !== 'placed');
      this.toggle(r.cancel, 'hidden', !active);
      r.detail.textContent = clip.message;
    }
  }
}
