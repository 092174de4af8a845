// UNO commands as the menus, the context menu and the find bar send them, and the state
// LibreOffice reports for each one through STATE_CHANGED.

// LibreOffice's URL argument types (`.uno:X?Name:type=value`) → the type names of its JSON form.
const URL_TYPES = { bool: 'boolean', string: 'string', long: 'long', short: 'short', int: 'long', double: 'double', float: 'float' };

// LibreOffice's command aliases (its *Commands.xcu `TargetURL`s): its menus resolve them before
// dispatching, a LibreOfficeKit client must do the same (the context menu names them).
const STYLE = (family, names) => Object.fromEntries(Object.entries(names).map(([alias, style]) => [
  `.uno:${alias}`, `.uno:StyleApply?Style:string=${style}&FamilyName:string=${family}`]));
export const COMMAND_ALIASES = {
  ...STYLE('ParagraphStyles', {
    DefaultParaStyle: 'Standard', TitleParaStyle: 'Title', SubtitleParaStyle: 'Subtitle',
    Heading1ParaStyle: 'Heading 1', Heading2ParaStyle: 'Heading 2', Heading3ParaStyle: 'Heading 3',
    Heading4ParaStyle: 'Heading 4', Heading5ParaStyle: 'Heading 5', Heading6ParaStyle: 'Heading 6',
    QuoteParaStyle: 'Quotations', QuotationsParStyle: 'Quotations', PreformattedParaStyle: 'Preformatted Text',
    TextBodyParaStyle: 'Text body', HorizontalLine: 'Horizontal Line',
  }),
  ...STYLE('CharacterStyles', {
    DefaultCharStyle: 'Standard', EmphasisCharStyle: 'Emphasis', StrongEmphasisCharStyle: 'Strong Emphasis',
    QuoteCharStyle: 'Citation', SourceCharStyle: 'Source Text',
  }),
  ...STYLE('NumberingStyles', {
    BulletListStyle: 'List 1', NumberListStyle: 'Numbering 123', AlphaListStyle: 'Numbering ABC',
    AlphaLowListStyle: 'Numbering abc', RomanListStyle: 'Numbering IVX', RomanLowListStyle: 'Numbering ivx',
  }),
  ...STYLE('CellStyles', {
    DefaultCellStyles: 'Default', Accent1CellStyles: 'Accent 1', Accent2CellStyles: 'Accent 2',
    Accent3CellStyles: 'Accent 3', Heading1CellStyles: 'Heading 1', Heading2CellStyles: 'Heading 2',
    BadCellStyles: 'Bad', ErrorCellStyles: 'Error', GoodCellStyles: 'Good', NeutralCellStyles: 'Neutral',
    WarningCellStyles: 'Warning', FootnoteCellStyles: 'Footnote', NoteCellStyles: 'Note',
  }),
  '.uno:ViewTrackChanges': '.uno:ShowTrackedChanges',
  '.uno:InsertAnchor': '.uno:InsertBookmark',
  '.uno:ZoomIn': '.uno:ZoomPlus',
  '.uno:ZoomOut': '.uno:ZoomMinus',
  '.uno:InsertPivotTable': '.uno:DataDataPilotRun',
  '.uno:NumberFormatCurrencySimple': '.uno:NumberFormatCurrency',
  '.uno:RenameSlide': '.uno:RenamePage',
  '.uno:DuplicateSlide': '.uno:DuplicatePage',
  '.uno:InsertSlide': '.uno:InsertPage',
  '.uno:DeleteSlide': '.uno:DeletePage',
  '.uno:SlideSetup': '.uno:PageSetup',
  '.uno:UnderlineSimple': '.uno:Underline',
};

/**
 * `.uno:LanguageStatus?Language:string=Current_French (France)` → {command, args}: the server
 * takes a plain command name, so the arguments LibreOffice writes into its own menu commands
 * travel as the JSON property values LibreOffice's dispatcher would have made of them.
 */
export function unoRequest(commandUrl, extraArgs) {
  const url = COMMAND_ALIASES[commandUrl] || commandUrl;
  const q = url.indexOf('?');
  const command = q < 0 ? url : url.slice(0, q);
  const args = {};
  if (q >= 0) {
    for (const part of url.slice(q + 1).split('&')) {
      const m = /^([A-Za-z0-9_.]+):([A-Za-z]+)=(.*)$/s.exec(part);
      if (!m) continue;
      const type = URL_TYPES[m[2].toLowerCase()] || m[2];
      let value = m[3];
      if (type === 'boolean') value = value === 'true';
      else if (type !== 'string') value = Number(value);
      args[m[1]] = { type, value };
    }
  }
  Object.assign(args, extraArgs || {});
  const request = { command };
  if (Object.keys(args).length > 0) request.args = JSON.stringify(args);
  return request;
}

// LibreOffice's SID_REPAIRPACKAGE: the result of an undo or redo it refused because the action
// on top of the shared undo stack is another user's (docs/protocol.md, "Undo and redo").
const UNDO_CONFLICT = 6683;

/**
 * The message for a refused `.uno:Undo` / `.uno:Redo` (`UNO_COMMAND_RESULT` JSON), or null.
 * LibreOffice 7.4 says `success: false` even for undos that worked: only the conflict result
 * means refused.
 */
export function undoRefusal(json) {
  const command = json && json.commandName;
  if (command !== '.uno:Undo' && command !== '.uno:Redo') return null;
  const result = json.result || {};
  if (result.type !== 'long' || Number(result.value) !== UNDO_CONFLICT) return null;
  return command === '.uno:Undo'
    ? 'Undo is not possible: another user edited after your last change. You can undo your own changes only while nobody has edited the same text after them.'
    : 'Redo is not possible: the next change to redo is another user\'s.';
}

/** Sends a command (with `?` arguments or not) as one `uno` message. */
export function sendUno(send, url, extraArgs) {
  return send('uno', unoRequest(url, extraArgs));
}

/**
 * The last STATE_CHANGED value per command: `true`/`false` for toggles, `enabled`/`disabled`,
 * or a value (a font name, a style). Menus read it when they open and when it changes.
 */
export class CommandStates {
  constructor() {
    this.values = new Map();
    this.listeners = new Set();
  }

  set(command, value) {
    this.values.set(command, value);
    for (const listener of this.listeners) listener(command, value);
  }

  get(command) {
    return this.values.get(command);
  }

  /** false only when LibreOffice said so; commands it reports nothing about are usable. */
  enabled(command) {
    return this.values.get(command) !== 'disabled';
  }

  /** true / false for a toggle LibreOffice reports, undefined otherwise. */
  checked(command) {
    const v = this.values.get(command);
    if (v === 'true') return true;
    if (v === 'false') return false;
    return undefined;
  }

  onChange(listener) {
    this.listeners.add(listener);
  }

  clear() {
    this.values.clear();
  }
}

/** The text of a LibreOffice label without its `~` mnemonic mark, and the mnemonic letter. */
export function splitMnemonic(label) {
  const text = String(label || '');
  const i = text.indexOf('~');
  if (i < 0 || i === text.length - 1) return { text: text.replace(/~/g, ''), key: '' };
  return { text: text.slice(0, i) + text.slice(i + 1), key: text[i + 1].toLowerCase(), at: i };
}
