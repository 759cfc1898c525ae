/**
 * The theme every element reads. A site themes rtdash by setting the public `--rt-*` custom properties
 * anywhere above the elements (they inherit through shadow roots); an element reads them through private
 * `--_*` copies that fall back to the light or dark default. Without a `theme` attribute, the defaults follow
 * `prefers-color-scheme`; `theme="light"` or `theme="dark"` on an element pins them (and `<rt-dashboard
 * theme>` pins its whole tree, by setting the public properties on itself).
 *
 * | property | what |
 * |---|---|
 * | `--rt-bg` | the page behind the panels |
 * | `--rt-panel-bg` | a widget's panel |
 * | `--rt-border` | panel borders and grid lines |
 * | `--rt-text` | text |
 * | `--rt-muted` | secondary text (units, axis labels, ages) |
 * | `--rt-accent` | links, focus rings, the first series |
 * | `--rt-ok`, `--rt-warn`, `--rt-error` | health colours |
 * | `--rt-series-1` … `--rt-series-6` | chart series colours |
 * | `--rt-font` | the font |
 * | `--rt-radius` | panel corner radius |
 * | `--rt-gap` | space between and inside panels |
 */
import { css, unsafeCSS, type CSSResult } from 'lit';

/** The two palettes: public property name (without `--rt-`) to value. */
export const PALETTES = {
  light: {
    bg: '#f4f6f9',
    'panel-bg': '#ffffff',
    border: '#dde2ea',
    text: '#1b2230',
    muted: '#5f6b7d',
    accent: '#2f6fde',
    ok: '#1f8a4c',
    warn: '#b7791f',
    error: '#c7372f',
    'series-1': '#2f6fde',
    'series-2': '#e0792b',
    'series-3': '#2aa876',
    'series-4': '#9b51e0',
    'series-5': '#d6455d',
    'series-6': '#1fa2b8',
  },
  dark: {
    bg: '#0f131a',
    'panel-bg': '#171c25',
    border: '#2a3240',
    text: '#e4e8ef',
    muted: '#9aa5b5',
    accent: '#6ea0ff',
    ok: '#4cc38a',
    warn: '#e6b450',
    error: '#ff6b61',
    'series-1': '#6ea0ff',
    'series-2': '#ffa15c',
    'series-3': '#4cc38a',
    'series-4': '#c08cff',
    'series-5': '#ff7a8f',
    'series-6': '#4fd3e8',
  },
} as const;

/** The names of the colour properties. */
export type ThemeColor = keyof (typeof PALETTES)['light'];

/** A theme name an element's `theme` attribute takes. */
export type ThemeName = 'light' | 'dark';

const privateVars = (mode: ThemeName): string =>
  Object.entries(PALETTES[mode])
    .map(([name, value]) => `--_${name}: var(--rt-${name}, ${value});`)
    .join('\n');

/** The public properties set to one palette, for an element that pins its whole tree to a theme. */
export function publicVars(mode: ThemeName): string {
  return Object.entries(PALETTES[mode])
    .map(([name, value]) => `--rt-${name}: ${value};`)
    .join(' ');
}

/**
 * Styles every element includes first: the private copies of the theme properties, light by default, dark
 * when the reader's system prefers it (unless `theme="light"`) or when `theme="dark"`.
 */
export const themeStyles: CSSResult = css`
  :host {
    ${unsafeCSS(privateVars('light'))}
    --_font: var(--rt-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    --_radius: var(--rt-radius, 8px);
    --_gap: var(--rt-gap, 12px);
    font-family: var(--_font);
    color: var(--_text);
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      ${unsafeCSS(privateVars('dark'))}
    }
  }
  :host([theme='dark']) {
    ${unsafeCSS(privateVars('dark'))}
  }
  [hidden] {
    display: none !important;
  }
`;

/** The series colours in order, as private properties (charts cycle through them). */
export const SERIES_COLORS = [1, 2, 3, 4, 5, 6].map((i) => `--_series-${i}`);
