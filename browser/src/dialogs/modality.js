// Which of LibreOffice's dialogs are modeless. LibreOffice 7.4 does not say: a painted window's
// `created` is {"type":"dialog","size","title"} for Format ▸ Paragraph (modal) and Word Count
// (modeless) alike, and LibreOffice itself blocks nothing in LibreOfficeKit ("no real modality
// in LibreOfficeKit", vcl's Dialog::ImplStartExecute). So the page takes every dialog as modal
// but LibreOffice's modeless ones: the child-window dialogs (SfxModelessDialogController) and
// Calc's reference-input dialogs, by their title in the kits' UI language (en-US), or by the
// .ui id a JSDialog tree names (`dialogid`). A payload that ever says `modal` wins.

// Titles of modeless painted dialogs: exact, or the start of it before ":" ("Spelling: English
// (USA)") or " for " ("Conditional Formatting for A1:B4").
const MODELESS_TITLES = new Set([
  // Writer, Impress, Draw, and common to all
  'Hyperlink', 'Spelling', 'Spelling and Grammar', 'Word Count', 'Find & Replace', 'Navigator',
  'Gallery', 'Bibliography Database', 'Manage Changes', 'Fields', 'Insert Index Entry',
  'Edit Index Entry', 'Insert Bibliography Entry', 'Edit Bibliography Entry', 'ImageMap Editor',
  'Contour Editor', 'Color Replacer', 'Fontwork', '3D Effects', 'Insert Script',
  // Calc: dialogs that take a cell range from the sheet
  'Function Wizard', 'Conditional Formatting', 'Standard Filter', 'Advanced Filter',
  'Define Database Range', 'Edit Print Ranges', 'Consolidate', 'Solver', 'Goal Seek',
  'Manage Names', 'Define Name', 'Add Name', 'Pivot Table Layout', 'XML Source',
  'Random Number Generator', 'Sampling', 'Descriptive Statistics',
  'Analysis of Variance (ANOVA)', 'Correlation', 'Covariance', 'Exponential Smoothing',
  'Moving Average', 'Regression', 'Paired t-test', 'F-test', 'Z-test',
  'Test of Independence (Chi-Square)', 'Fourier Analysis',
]);

// The same dialogs by the .ui id of a JSDialog tree.
const MODELESS_DIALOG_IDS = new Set([
  'FindReplaceDialog', 'HyperlinkDialog', 'SpellingDialog', 'WordCountDialog',
  'ManageNamesDialog', 'DefineNameDialog', 'StandardFilterDialog', 'AdvancedFilterDialog',
  'ConditionalFormatDialog', 'DefineDatabaseRangeDialog', 'PrintAreasDialog',
  'ConsolidateDialog', 'SolverDialog', 'GoalSeekDialog', 'PivotTableLayout', 'FunctionDialog',
]);

function said(json) {
  if (json.modal === true || json.modal === 'true') return true;
  if (json.modal === false || json.modal === 'false') return false;
  return undefined;
}

/** A painted window's `created` payload (a top-level dialog): is it modal? */
export function isModalWindow(json) {
  const explicit = said(json);
  if (explicit !== undefined) return explicit;
  const title = String(json.title || '').trim();
  const head = title.split(/:| for /)[0].trim();
  return !MODELESS_TITLES.has(title) && !MODELESS_TITLES.has(head);
}

/** A JSDialog dialog's full tree: is it modal? */
export function isModalJSDialog(json) {
  const explicit = said(json);
  if (explicit !== undefined) return explicit;
  return !MODELESS_DIALOG_IDS.has(String(json.dialogid || ''));
}
