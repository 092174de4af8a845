// Submenus whose entries come from LibreOffice (`command-values`): the styles of the document
// and the languages the kit knows. A server without `command-values` gives shorter menus that
// still work: LibreOffice's own paragraph-style commands, and the current language.

import { sendUno } from './commands.js';

const STYLE_FAMILY = { text: 'ParagraphStyles', spreadsheet: 'CellStyles' };

// Writer's paragraph styles that LibreOffice also has as commands of their own.
const WRITER_STYLE_COMMANDS = [
  ['Default Paragraph Style', '.uno:DefaultParaStyle'],
  ['Text Body', '.uno:TextBodyParaStyle'],
  ['Title', '.uno:TitleParaStyle'],
  ['Subtitle', '.uno:SubtitleParaStyle'],
  ['Heading 1', '.uno:Heading1ParaStyle'],
  ['Heading 2', '.uno:Heading2ParaStyle'],
  ['Heading 3', '.uno:Heading3ParaStyle'],
  ['Quotations', '.uno:QuotationsParStyle'],
  ['Preformatted Text', '.uno:PreformattedParaStyle'],
];

const MAX_LIST = 200;
const MAX_STYLES = 24;

/** Format ▸ Styles: the document's paragraph (Writer) or cell (Calc) styles. */
export async function styleItems(ctx, type) {
  const family = STYLE_FAMILY[type];
  if (!family) return [];
  const current = ctx.states.get('.uno:StyleApply');
  const values = await ctx.values.get('.uno:StyleApply', { fresh: true });
  const names = values && values.commandValues && Array.isArray(values.commandValues[family])
    ? values.commandValues[family].map(String) : null;
  if (!names) {
    if (type !== 'text') return [];
    return WRITER_STYLE_COMMANDS.map(([text, command]) => ({
      kind: 'item', text, command, enabled: ctx.canEdit(), checked: text === current, radio: true,
      run: () => sendUno(ctx.send, command),
    }));
  }
  // LibreOffice lists programmatic names; the state names the style as its UI does.
  const shown = (name) => (name === 'Standard' ? (family === 'CellStyles' ? 'Default' : 'Default Paragraph Style') : name);
  const isCurrent = (name) => String(current || '').toLowerCase() === shown(name).toLowerCase();
  // LibreOffice lists the common styles first; the rest are in the Styles deck.
  return [
    ...names.slice(0, MAX_STYLES).map((name) => ({
      kind: 'item', text: shown(name), id: `style:${name}`, enabled: ctx.canEdit(), checked: isCurrent(name), radio: true,
      run: () => sendUno(ctx.send, '.uno:StyleApply', {
        Style: { type: 'string', value: name },
        FamilyName: { type: 'string', value: family },
      }),
    })),
    { kind: 'sep' },
    { kind: 'item', text: 'More Styles…', command: '.uno:DesignerDialog', enabled: ctx.canEdit(), run: () => sendUno(ctx.send, '.uno:DesignerDialog') },
  ];
}

const LANGUAGE_PREFIX = { selection: 'Current_', paragraph: 'Paragraph_', all: 'Default_' };

/** `English (USA);en-US` → {name, tag} (LibreOffice's form of its language list and state). */
export function parseLanguage(entry) {
  const [name, tag] = String(entry || '').split(';');
  return { name: name.trim(), tag: (tag || '').trim() };
}

/**
 * Tools ▸ Language ▸ For Selection / Paragraph / All Text: `.uno:LanguageStatus` with
 * `Language=<prefix><name>`, LibreOffice's own form (the name as its language list gives it).
 */
export async function languageItems(ctx, scope) {
  const prefix = LANGUAGE_PREFIX[scope] || 'Default_';
  const current = parseLanguage(ctx.states.get('.uno:LanguageStatus')).name;
  const set = (value) => () => sendUno(ctx.send, '.uno:LanguageStatus', { Language: { type: 'string', value: prefix + value } });
  const enabled = ctx.canEdit();
  const values = await ctx.values.get('.uno:LanguageStatus');
  let names = values && Array.isArray(values.commandValues)
    ? values.commandValues.map((v) => parseLanguage(v).name).filter(Boolean) : [];
  if (names.length === 0 && current) names = [current];
  names = [...new Set(names)].sort((a, b) => a.localeCompare(b));
  const marked = scope !== 'all' ? current : '';
  return [
    ...names.slice(0, MAX_LIST).map((name) => ({
      kind: 'item', text: name, id: `lang:${name}`, enabled, checked: name === marked, radio: true, run: set(name),
    })),
    { kind: 'sep' },
    { kind: 'item', text: 'None (Do Not Check Spelling)', id: 'lang:none', enabled, run: set('LANGUAGE_NONE') },
    { kind: 'item', text: 'Reset to Default Language', id: 'lang:reset', enabled, run: set('RESET_LANGUAGES') },
  ];
}
