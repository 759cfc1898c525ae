/**
 * The theme as ApexCharts needs it: ApexCharts draws with colour strings, not CSS custom properties, so the chart
 * reads the computed theme values and reads them again when something that may change them changes.
 */
import { SERIES_COLORS } from '../client/theme.js';

/** The computed colours and font a chart draws with. */
export interface Palette {
  series: string[];
  text: string;
  muted: string;
  border: string;
  panel: string;
  font: string;
  /** Whether the panel is dark (the tooltip follows it). */
  dark: boolean;
}

let probe: CanvasRenderingContext2D | null | undefined;

/** Whether a CSS colour is dark; a canvas normalises any colour syntax to `#rrggbb` (or `rgba()`) for us. */
function isDark(color: string): boolean {
  probe ??= document.createElement('canvas').getContext('2d');
  if (!probe) return matchMedia('(prefers-color-scheme: dark)').matches;
  probe.fillStyle = '#000';
  probe.fillStyle = color;
  const [r, g, b] = String(probe.fillStyle).startsWith('#') ? [1, 3, 5].map((i) => parseInt(String(probe!.fillStyle).slice(i, i + 2), 16)) : (String(probe.fillStyle).match(/\d+/g) ?? []).map(Number);
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0) < 128;
}

/** The palette `el` resolves its `--_*` theme properties to right now. */
export function readPalette(el: Element): Palette {
  const style = getComputedStyle(el);
  const get = (name: string) => style.getPropertyValue(name).trim();
  const panel = get('--_panel-bg');
  return { series: SERIES_COLORS.map(get), text: get('--_text'), muted: get('--_muted'), border: get('--_border'), panel, font: get('--_font'), dark: isDark(panel) };
}

/**
 * Calls `changed` when the theme may have changed: the reader's colour scheme, or a `theme`, `style` or `class`
 * attribute on the element or any element above it (across shadow roots), which is where a page or
 * `<rt-dashboard theme>` sets the `--rt-*` properties.
 */
export class ThemeWatch {
  readonly #observer: MutationObserver;
  readonly #scheme = matchMedia('(prefers-color-scheme: dark)');
  readonly #changed: () => void;

  constructor(private readonly host: Element, changed: () => void) {
    this.#changed = changed;
    this.#observer = new MutationObserver(changed);
  }

  start(): void {
    for (let node: Node | null = this.host; node !== null; node = node instanceof ShadowRoot ? node.host : node.parentNode) {
      if (node instanceof Element) this.#observer.observe(node, { attributes: true, attributeFilter: ['theme', 'style', 'class'] });
    }
    this.#scheme.addEventListener('change', this.#changed);
  }

  stop(): void {
    this.#observer.disconnect();
    this.#scheme.removeEventListener('change', this.#changed);
  }
}
