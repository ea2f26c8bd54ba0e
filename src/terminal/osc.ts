// The console's own terminal sequences: the bell, desktop notifications (OSC 9, OSC 777), clipboard
// writes (OSC 52) and hyperlinks (OSC 8). Upstream text never carries these (src/domain/text.ts strips
// every OSC where text enters): only this module makes them, from text it cleans itself.
//
// Inside tmux, OSC 9/777/52 reach the outer terminal only through tmux's DCS passthrough
// (`ESC P tmux; … ESC \`, every ESC inside doubled; tmux ≥ 3.3 needs `set -g allow-passthrough on`).
// The bell needs no wrapping: tmux handles it itself (a bell flag on the window, `bell-action`).
// OSC 8 is drawn inside the frame and tmux ≥ 3.1 forwards it on its own, so it is never wrapped.
import { sanitize } from '../domain/text.js';

type Env = Record<string, string | undefined>;

export const BEL = '\x07';
const ESC = '\x1b';
const ST = '\x1b\\';

/** True when the variable is set to something that means "on" (CI=false and CI=0 do not). */
export function envFlag(v: string | undefined): boolean {
  if (v === undefined) return false;
  const s = v.trim().toLowerCase();
  return s !== '' && s !== '0' && s !== 'false' && s !== 'no' && s !== 'off';
}

export function inTmux(env: Env): boolean {
  return !!env.TMUX;
}

/** Wrap a sequence for tmux's passthrough when inside tmux; unchanged otherwise. */
export function passthrough(seq: string, env: Env): string {
  if (!inTmux(env)) return seq;
  return `${ESC}Ptmux;${seq.split(ESC).join(ESC + ESC)}${ST}`;
}

/** Text safe inside an OSC string: no control characters at all (nothing may end the string early). */
function oscText(s: string, max = 200): string {
  const t = sanitize(s).replace(/[\x00-\x1f\x7f-\x9f]/g, ' ');
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

// ------------------------------------------------------------------ desktop notifications
export type DesktopProtocol = 'osc9' | 'osc777';
export type DesktopSetting = 'auto' | DesktopProtocol | 'off';

export interface NotifySettings {
  /** Ring the bell when a job ends while another view is on screen. */
  bell: boolean;
  /** The desktop notification protocol, or null for none. */
  desktop: DesktopProtocol | null;
  /** Wrap OSC sequences for tmux. */
  tmux: boolean;
  /** Why notifications are off, or how the protocol was chosen (for `doctor` and the README). */
  reason: string;
}

/**
 * The desktop-notification protocol the terminal understands, from what it says about itself.
 * iTerm2, WezTerm, Ghostty and kitty show OSC 9; rxvt-unicode, foot and VTE terminals (GNOME
 * Terminal, Tilix: the notify patch most distributions carry) show OSC 777. Inside tmux the outer
 * terminal's variables are still there when tmux was started from it (LC_TERMINAL even over SSH from
 * iTerm2). Anything else: none (set `notify.desktop` in the config to choose one).
 */
export function detectDesktop(env: Env): DesktopProtocol | null {
  const prog = (env.TERM_PROGRAM ?? '').toLowerCase();
  const term = (env.TERM ?? '').toLowerCase();
  const lcTerm = (env.LC_TERMINAL ?? '').toLowerCase();
  if (prog === 'iterm.app' || lcTerm === 'iterm2' || prog === 'wezterm' || prog === 'ghostty') return 'osc9';
  if (env.WEZTERM_PANE || env.GHOSTTY_RESOURCES_DIR || env.KITTY_WINDOW_ID || term === 'xterm-kitty' || term === 'xterm-ghostty') return 'osc9';
  if (term.startsWith('rxvt-unicode') || term.startsWith('foot') || env.VTE_VERSION) return 'osc777';
  return null;
}

/**
 * What to emit when a job ends. Everything is off with `DIVIO_TUI_NO_NOTIFY` set (any value but
 * 0/false), under CI (`CI` set and not false), or with both settings off in the config.
 */
export function notifySettings(env: Env, cfg: { bell?: boolean; desktop?: DesktopSetting } = {}): NotifySettings {
  const tmux = inTmux(env);
  if (envFlag(env.DIVIO_TUI_NO_NOTIFY)) return { bell: false, desktop: null, tmux, reason: 'off (DIVIO_TUI_NO_NOTIFY is set)' };
  if (envFlag(env.CI)) return { bell: false, desktop: null, tmux, reason: 'off (CI is set)' };
  const bell = cfg.bell ?? true;
  const setting = cfg.desktop ?? 'auto';
  const desktop = setting === 'off' ? null : setting === 'auto' ? detectDesktop(env) : setting;
  const how = desktop ? `${desktop === 'osc9' ? 'OSC 9' : 'OSC 777'} (${setting === 'auto' ? 'detected' : 'config'})${tmux ? ' through tmux passthrough' : ''}` : setting === 'off' ? 'no desktop notification (config)' : 'no desktop notification (terminal not known to show them; set notify.desktop)';
  return { bell, desktop, tmux, reason: `${bell ? 'bell' : 'no bell'}; ${how}` };
}

/** A desktop notification: OSC 9 (`ESC ] 9 ; body BEL`) or OSC 777 (`ESC ] 777 ; notify ; title ; body BEL`). */
export function desktopNotification(proto: DesktopProtocol, title: string, body: string, env: Env): string {
  const t = oscText(title, 80).replace(/;/g, ',');
  const b = oscText(body);
  const seq = proto === 'osc9' ? `${ESC}]9;${t}: ${b}${BEL}` : `${ESC}]777;notify;${t};${b}${BEL}`;
  return passthrough(seq, env);
}

// ------------------------------------------------------------------ clipboard (OSC 52)
/** At most this much is sent (many terminals refuse longer OSC 52 strings; tmux's own limit is similar). */
export const CLIPBOARD_MAX_BYTES = 74_994;

/**
 * `ESC ] 52 ; c ; base64 BEL`. Inside tmux twice: as is (tmux takes it into its buffer and on to the
 * outer terminal with `set -g set-clipboard on`) and through the passthrough (with
 * `allow-passthrough on`); either setting is enough. Null when the text is too long.
 */
export function clipboardSequence(text: string, env: Env): string | null {
  const b64 = Buffer.from(text, 'utf8').toString('base64');
  if (b64.length > CLIPBOARD_MAX_BYTES) return null;
  const seq = `${ESC}]52;c;${b64}${BEL}`;
  return inTmux(env) ? seq + passthrough(seq, env) : seq;
}

/**
 * Whether OSC 52 is likely to reach a clipboard. Terminals known to honour it: iTerm2 (when allowed),
 * WezTerm, kitty, Ghostty, foot, Windows Terminal, Alacritty, xterm (when allowed). Unknown terminals
 * (and GNOME Terminal / VTE, which ignores it) get the text shown as well.
 */
export function clipboardLikely(env: Env): boolean {
  if (env.VTE_VERSION && !env.TERM_PROGRAM) return false;
  if (detectDesktop(env) === 'osc9') return true;
  const prog = (env.TERM_PROGRAM ?? '').toLowerCase();
  const term = (env.TERM ?? '').toLowerCase();
  return !!env.WT_SESSION || term.startsWith('foot') || term === 'alacritty' || prog === 'alacritty';
}

// ------------------------------------------------------------------ hyperlinks (OSC 8)
/** Only these URLs become links: http(s) with no control characters or spaces. */
export function linkableUrl(url: string): boolean {
  return /^https?:\/\/[^\s\x00-\x1f\x7f-\x9f]+$/.test(url) && url.length <= 2000;
}

/**
 * `ESC ] 8 ; ; URL BEL text ESC ] 8 ; ; BEL`: zero-width around `text` (the terminal draws `text`).
 * BEL ends both, not ST: Ink's line tokenizer (@alcalzone/ansi-tokenize) knows OSC 8 only in that
 * form, and keeps it attached to the characters it wraps (it never counts it as width).
 */
export function hyperlink(url: string, text: string): string {
  if (!linkableUrl(url) || !text) return text;
  return `${ESC}]8;;${url}${BEL}${text}${ESC}]8;;${BEL}`;
}

/** OSC 8 links are drawn unless the user said no, or the terminal cannot show them (TERM=dumb, linux console). */
export function hyperlinksSupported(env: Env, setting: boolean | undefined): boolean {
  if (setting === false) return false;
  const term = (env.TERM ?? '').toLowerCase();
  return term !== 'dumb' && term !== 'linux';
}
