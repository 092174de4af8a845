// The menubar of each document type as data: LibreOffice's own menus, trimmed to what works in
// a browser. Loaded the first time a menu opens (menubar.js), so it costs the first paint nothing.
//
//   '-'                          separator
//   [label, command, shortcut]   a `.uno:` command (with `?Name:type=value` arguments as in
//                                LibreOffice's menus) or a page action: print, find, save,
//                                download:<format>, cut, copy, paste, zoom-in, zoom-out, fit,
//                                sidebar, comments (the panel), comment-add, insert-table (the
//                                rows × columns grid), insert-image (a file from the
//                                computer), shortcuts, about, slide-sorter, slideshow,
//                                slideshow:current, view-normal, view-notes (Impress)
//   [label, [items]]             a submenu
//   [label, 'list:<name>']       a submenu built when it opens from LibreOffice's lists
//                                (`command-values`): styles, fonts, language-selection,
//                                language-paragraph, language-all
// `~` marks the mnemonic letter, as in LibreOffice's labels.

import { SLIDE_LAYOUTS } from './slide-sorter.js';

const EDIT_CLIPBOARD = [
  ['~Undo', '.uno:Undo', 'Ctrl+Z'],
  ['~Redo', '.uno:Redo', 'Ctrl+Y'],
  '-',
  ['Cu~t', 'cut', 'Ctrl+X'],
  ['~Copy', 'copy', 'Ctrl+C'],
  ['~Paste', 'paste', 'Ctrl+V'],
  ['Paste Speci~al', [
    ['Paste ~Unformatted Text', '.uno:PasteUnformatted', 'Ctrl+Alt+Shift+V'],
    ['Paste ~Special…', '.uno:PasteSpecial', 'Ctrl+Shift+V'],
  ]],
  ['Select ~All', '.uno:SelectAll', 'Ctrl+A'],
  '-',
  ['~Find…', 'find', 'Ctrl+F'],
  ['Find & Rep~lace…', '.uno:SearchDialog', 'Ctrl+H'],
];

const FILE = (formats) => [
  ['~Save', 'save', 'Ctrl+S'],
  ['Download ~As', formats.map(([label, f]) => [label, `download:${f}`])],
  '-',
  ['~Print…', 'print', 'Ctrl+P'],
  '-',
  ['Propert~ies…', '.uno:SetDocumentProperties'],
];

const TEXT_FORMAT = [
  ['~Bold', '.uno:Bold', 'Ctrl+B'],
  ['~Italic', '.uno:Italic', 'Ctrl+I'],
  ['~Underline', '.uno:Underline', 'Ctrl+U'],
  ['~Strikethrough', '.uno:Strikeout'],
  ['~Overline', '.uno:Overline'],
  '-',
  ['Su~perscript', '.uno:SuperScript', 'Ctrl+Shift+P'],
  ['Su~bscript', '.uno:SubScript', 'Ctrl+Shift+B'],
  '-',
  ['Shado~w', '.uno:Shadowed'],
  ['Outline ~Font Effect', '.uno:OutlineFont'],
  '-',
  ['~UPPERCASE', '.uno:ChangeCaseToUpper'],
  ['~lowercase', '.uno:ChangeCaseToLower'],
  ['~Sentence case', '.uno:ChangeCaseToSentenceCase'],
  ['~Capitalize Every Word', '.uno:ChangeCaseToTitleCase'],
  ['~tOGGLE cASE', '.uno:ChangeCaseToToggleCase'],
];

const PARA_ALIGN = [
  ['~Left', '.uno:LeftPara', 'Ctrl+L'],
  ['~Centered', '.uno:CenterPara', 'Ctrl+E'],
  ['~Right', '.uno:RightPara', 'Ctrl+R'],
  ['~Justified', '.uno:JustifyPara', 'Ctrl+J'],
];

const SPACING = [
  ['Line Spacing: ~1', '.uno:SpacePara1'],
  ['Line Spacing: 1.~5', '.uno:SpacePara15'],
  ['Line Spacing: ~2', '.uno:SpacePara2'],
  '-',
  ['~Increase Paragraph Spacing', '.uno:ParaspaceIncrease'],
  ['~Decrease Paragraph Spacing', '.uno:ParaspaceDecrease'],
  '-',
  ['I~ncrease Indent', '.uno:IncrementIndent'],
  ['D~ecrease Indent', '.uno:DecrementIndent'],
];

const LISTS = [
  ['~Unordered List', '.uno:DefaultBullet'],
  ['~Ordered List', '.uno:DefaultNumbering'],
  ['~No List', '.uno:RemoveBullets'],
];

const VIEW_ZOOM = [
  ['Zoom ~In', 'zoom-in', 'Ctrl+='],
  ['Zoom ~Out', 'zoom-out', 'Ctrl+-'],
  ['Fit ~Width', 'fit'],
];

const LANGUAGE = (writer) => [
  ...(writer ? [
    ['For ~Selection', 'list:language-selection'],
    ['For ~Paragraph', 'list:language-paragraph'],
  ] : []),
  ['For ~All Text', 'list:language-all'],
];

const SPELLING = (dialog) => [
  [`~Spelling…`, dialog, 'F7'],
  ['~Automatic Spell Checking', '.uno:SpellOnline', 'Shift+F7'],
  ['~Thesaurus…', '.uno:ThesaurusDialog', 'Ctrl+F7'],
];

const HELP = [
  ['~Keyboard Shortcuts', 'shortcuts'],
  ['~About', 'about'],
];

const WRITER = [
  ['~File', FILE([['~PDF', 'pdf'], ['~Word (.docx)', 'docx'], ['~ODF Text (.odt)', 'odt'],
    ['Word 97–2003 (.doc)', 'doc'], ['~Rich Text (.rtf)', 'rtf'], ['Plain ~Text (.txt)', 'txt'],
    ['~HTML', 'html'], ['~EPUB', 'epub']])],
  ['~Edit', [
    ...EDIT_CLIPBOARD,
    ['~Go to Page…', '.uno:GotoPage', 'Ctrl+G'],
    '-',
    ['Track Chan~ges', [
      ['~Record Changes', '.uno:TrackChanges', 'Ctrl+Shift+C'],
      ['~Show Changes', '.uno:ShowTrackedChanges'],
      '-',
      // The changes panel (track-changes.js) instead of LibreOffice's Manage dialog.
      ['~Manage…', 'track-changes'],
      ['~Accept All', '.uno:AcceptAllTrackedChanges'],
      ['~Reject All', '.uno:RejectAllTrackedChanges'],
      ['~Next Change', '.uno:NextTrackedChange'],
      ['~Previous Change', '.uno:PreviousTrackedChange'],
    ]],
  ]],
  ['~View', [
    ['Formatting ~Marks', '.uno:ControlCodes', 'Ctrl+F10'],
    ['Text ~Boundaries', '.uno:ViewBounds'],
    ['Field ~Shadings', '.uno:Marks', 'Ctrl+F8'],
    ['Side~bar', 'sidebar'],
    ['~Comments', 'comments'],
    '-',
    ...VIEW_ZOOM,
  ]],
  ['~Insert', [
    ['Page ~Break', '.uno:InsertPagebreak', 'Ctrl+Enter'],
    ['More Brea~ks', [
      ['~Column Break', '.uno:InsertColumnBreak', 'Ctrl+Shift+Enter'],
      ['~Manual Break…', '.uno:InsertBreak'],
    ]],
    '-',
    ['~Table…', 'insert-table', 'Ctrl+F12'],
    ['Ima~ge…', 'insert-image'],
    ['C~hart', '.uno:InsertObjectChart'],
    '-',
    ['Hyperl~ink…', '.uno:HyperlinkDialog', 'Ctrl+K'],
    ['Boo~kmark…', '.uno:InsertBookmark'],
    ['Cross-~reference…', '.uno:InsertReferenceField', 'Ctrl+F2'],
    ['Co~mment', 'comment-add', 'Ctrl+Alt+C'],
    '-',
    ['He~ader and Footer', [
      ['~Header', '.uno:InsertPageHeader?PageStyle:string=Default Page Style&On:bool=true'],
      ['~Footer', '.uno:InsertPageFooter?PageStyle:string=Default Page Style&On:bool=true'],
      '-',
      ['Remove H~eader', '.uno:InsertPageHeader?PageStyle:string=Default Page Style&On:bool=false'],
      ['Remove F~ooter', '.uno:InsertPageFooter?PageStyle:string=Default Page Style&On:bool=false'],
    ]],
    ['Page ~Number', '.uno:InsertPageNumberField'],
    '-',
    ['~Footnote', '.uno:InsertFootnote'],
    ['~Endnote', '.uno:InsertEndnote'],
    ['Table of Contents and Inde~x…', '.uno:InsertMultiIndex'],
    '-',
    ['Fiel~d', [
      ['~Page Number', '.uno:InsertPageNumberField'],
      ['Page ~Count', '.uno:InsertPageCountField'],
      ['~Date', '.uno:InsertDateField'],
      ['~Time', '.uno:InsertTimeField'],
      ['T~itle', '.uno:InsertTitleField'],
      ['~Author', '.uno:InsertAuthorField'],
      '-',
      ['~More Fields…', '.uno:InsertField', 'Ctrl+F2'],
    ]],
    ['Spe~cial Character…', '.uno:InsertSymbol'],
    ['Formatting Mar~k', [
      ['Non-breaking ~Space', '.uno:InsertNonBreakingSpace', 'Ctrl+Shift+Space'],
      ['Soft ~Hyphen', '.uno:InsertSoftHyphen'],
    ]],
    ['~Section…', '.uno:InsertSection'],
  ]],
  ['F~ormat', [
    ['~Text', TEXT_FORMAT],
    ['~Spacing', SPACING],
    ['~Align Text', PARA_ALIGN],
    ['~Lists', LISTS],
    ['St~yles', 'list:styles'],
    ['Clear ~Direct Formatting', '.uno:ResetAttributes', 'Ctrl+M'],
    '-',
    ['C~haracter…', '.uno:FontDialog'],
    ['P~aragraph…', '.uno:ParagraphDialog'],
    ['~Bullets and Numbering…', '.uno:BulletsAndNumberingDialog'],
    ['Page ~Style…', '.uno:PageDialog'],
    ['Colu~mns…', '.uno:FormatColumns'],
    ['~Watermark…', '.uno:Watermark'],
  ]],
  ['T~able', [
    ['~Insert Table…', '.uno:InsertTable', 'Ctrl+F12'],
    '-',
    ['Insert Rows ~Above', '.uno:InsertRowsBefore'],
    ['Insert Rows ~Below', '.uno:InsertRowsAfter'],
    ['Insert Columns Be~fore', '.uno:InsertColumnsBefore'],
    ['Insert Columns Af~ter', '.uno:InsertColumnsAfter'],
    '-',
    ['~Delete', [
      ['~Rows', '.uno:DeleteRows'],
      ['~Columns', '.uno:DeleteColumns'],
      ['~Table', '.uno:DeleteTable'],
    ]],
    ['~Select', [
      ['~Table', '.uno:SelectTable'],
      ['~Row', '.uno:EntireRow'],
      ['~Column', '.uno:EntireColumn'],
      ['C~ell', '.uno:EntireCell'],
    ]],
    '-',
    ['~Merge Cells', '.uno:MergeCells'],
    ['S~plit Cells…', '.uno:SplitCell'],
    ['Split Ta~ble', '.uno:SplitTable'],
    '-',
    ['Pr~operties…', '.uno:TableDialog'],
  ]],
  ['~Tools', [
    ...SPELLING('.uno:SpellingAndGrammarDialog'),
    ['~Language', LANGUAGE(true)],
    ['~Word Count…', '.uno:WordCountDialog'],
    '-',
    ['AutoCorr~ect While Typing', '.uno:OnlineAutoFormat'],
    ['~Chapter Numbering…', '.uno:ChapterNumberingDialog'],
    ['Line ~Numbering…', '.uno:LineNumberingDialog'],
    ['~Footnotes and Endnotes…', '.uno:FootnoteDialog'],
    ['S~ort…', '.uno:SortDialog'],
    ['~Update All', '.uno:UpdateAll'],
  ]],
  ['~Help', HELP],
];

const CALC = [
  ['~File', FILE([['~PDF', 'pdf'], ['~Excel (.xlsx)', 'xlsx'], ['~ODF Spreadsheet (.ods)', 'ods'],
    ['Excel 97–2003 (.xls)', 'xls'], ['~CSV', 'csv']])],
  ['~Edit', [
    ...EDIT_CLIPBOARD,
    '-',
    ['~Delete Cells…', '.uno:DeleteCell'],
    ['Delete C~ontents…', '.uno:Delete', 'Backspace'],
    ['F~ill', [
      ['~Down', '.uno:FillDown', 'Ctrl+D'],
      ['~Right', '.uno:FillRight'],
      ['~Up', '.uno:FillUp'],
      ['~Left', '.uno:FillLeft'],
    ]],
    ['Track Chan~ges', [
      ['~Record Changes', '.uno:TraceChangeMode', 'Ctrl+Shift+C'],
      ['~Manage…', '.uno:AcceptChanges'],
    ]],
  ]],
  ['~View', [
    ['Value ~Highlighting', '.uno:ViewValueHighlighting', 'Ctrl+F8'],
    ['~Show Formula', '.uno:ToggleFormula', 'Ctrl+`'],
    ['~Grid Lines', '.uno:ToggleSheetGrid'],
    ['~Freeze Rows and Columns', '.uno:FreezePanes'],
    ['Side~bar', 'sidebar'],
    ['~Comments', 'comments'],
    '-',
    ...VIEW_ZOOM,
  ]],
  ['~Insert', [
    ['Ima~ge…', 'insert-image'],
    ['C~hart…', '.uno:InsertObjectChart'],
    ['~Pivot Table…', '.uno:DataDataPilotRun'],
    ['~Function…', '.uno:FunctionDialog', 'Ctrl+F2'],
    '-',
    ['Hyperl~ink…', '.uno:HyperlinkDialog', 'Ctrl+K'],
    ['Co~mment', 'comment-add', 'Ctrl+Alt+C'],
    ['Spe~cial Character…', '.uno:InsertSymbol'],
    '-',
    ['Current ~Date', '.uno:InsertCurrentDate', 'Ctrl+;'],
    ['Current ~Time', '.uno:InsertCurrentTime', 'Ctrl+Shift+;'],
  ]],
  ['F~ormat', [
    ['~Text', TEXT_FORMAT.slice(0, 11)],
    ['~Number Format', [
      ['~General', '.uno:NumberFormatStandard', 'Ctrl+Shift+6'],
      ['~Number', '.uno:NumberFormatDecimal', 'Ctrl+Shift+1'],
      ['~Percent', '.uno:NumberFormatPercent', 'Ctrl+Shift+5'],
      ['~Currency', '.uno:NumberFormatCurrency', 'Ctrl+Shift+4'],
      ['~Date', '.uno:NumberFormatDate', 'Ctrl+Shift+3'],
      ['~Time', '.uno:NumberFormatTime'],
      ['~Scientific', '.uno:NumberFormatScientific', 'Ctrl+Shift+2'],
    ]],
    ['~Align Text', [
      ['~Left', '.uno:AlignLeft'],
      ['~Centered', '.uno:AlignHorizontalCenter'],
      ['~Right', '.uno:AlignRight'],
      ['~Justified', '.uno:AlignBlock'],
      '-',
      ['~Top', '.uno:AlignTop'],
      ['Ce~nter', '.uno:AlignVCenter'],
      ['~Bottom', '.uno:AlignBottom'],
    ]],
    ['~Wrap Text', '.uno:WrapText'],
    ['~Merge and Center Cells', '.uno:ToggleMergeCells'],
    ['Bac~kground Color', [
      ['~None', '.uno:BackgroundColor?BackgroundColor:long=-1'],
      ['~Yellow', '.uno:BackgroundColor?BackgroundColor:long=16776960'],
      ['Light ~Green', '.uno:BackgroundColor?BackgroundColor:long=13434828'],
      ['Light ~Blue', '.uno:BackgroundColor?BackgroundColor:long=11847644'],
      ['Light ~Red', '.uno:BackgroundColor?BackgroundColor:long=16764108'],
    ]],
    ['~Borders…', '.uno:FormatCellBorders'],
    ['St~yles', 'list:styles'],
    ['Clear ~Direct Formatting', '.uno:ResetAttributes', 'Ctrl+M'],
    '-',
    ['C~ells…', '.uno:FormatCellDialog', 'Ctrl+1'],
    ['~Rows', [
      ['~Height…', '.uno:RowHeight'],
      ['~Optimal Height…', '.uno:SetOptimalRowHeight'],
      ['Hi~de', '.uno:HideRow'],
      ['~Show', '.uno:ShowRow'],
    ]],
    ['Colu~mns', [
      ['~Width…', '.uno:ColumnWidth'],
      ['~Optimal Width…', '.uno:SetOptimalColumnWidth'],
      ['Hi~de', '.uno:HideColumn'],
      ['~Show', '.uno:ShowColumn'],
    ]],
    ['C~onditional', [
      ['~Condition…', '.uno:ConditionalFormatDialog'],
      ['Color ~Scale…', '.uno:ColorScaleFormatDialog'],
      ['~Data Bar…', '.uno:DataBarFormatDialog'],
      ['~Manage…', '.uno:ConditionalFormatManagerDialog'],
    ]],
    ['~Page Style…', '.uno:PageFormatDialog'],
  ]],
  ['~Sheet', [
    ['Insert ~Cells…', '.uno:InsertCell'],
    ['Insert Rows ~Above', '.uno:InsertRowsBefore'],
    ['Insert Rows ~Below', '.uno:InsertRowsAfter'],
    ['Insert Columns Be~fore', '.uno:InsertColumnsBefore'],
    ['Insert Columns Af~ter', '.uno:InsertColumnsAfter'],
    ['~Insert Sheet…', '.uno:Insert'],
    '-',
    ['~Delete Cells…', '.uno:DeleteCell'],
    ['Delete ~Rows', '.uno:DeleteRows'],
    ['Delete Colu~mns', '.uno:DeleteColumns'],
    ['Delete ~Sheet…', '.uno:Remove'],
    '-',
    ['R~ename Sheet…', '.uno:RenameTable'],
    ['M~ove or Copy Sheet…', '.uno:Move'],
    ['~Hide Sheet', '.uno:Hide'],
    ['Sho~w Sheet…', '.uno:Show'],
    '-',
    ['~Named Ranges…', '.uno:DefineName', 'Ctrl+F3'],
  ]],
  ['~Data', [
    ['~Sort…', '.uno:DataSort'],
    ['Sort ~Ascending', '.uno:SortAscending'],
    ['Sort ~Descending', '.uno:SortDescending'],
    ['Auto~Filter', '.uno:DataFilterAutoFilter', 'Ctrl+Shift+L'],
    '-',
    ['~Validity…', '.uno:Validation'],
    ['S~ubtotals…', '.uno:DataSubTotals'],
    ['~Text to Columns…', '.uno:TextToColumns'],
    ['~Pivot Table…', '.uno:DataDataPilotRun'],
    '-',
    ['~Calculate', [
      ['~Recalculate', '.uno:Calculate', 'F9'],
      ['~Hard Recalculate', '.uno:CalculateHard', 'Ctrl+Shift+F9'],
    ]],
  ]],
  ['~Tools', [
    ...SPELLING('.uno:SpellDialog'),
    ['~Language', LANGUAGE(false)],
    '-',
    ['~Goal Seek…', '.uno:GoalSeekDialog'],
    ['~AutoInput', '.uno:AutoComplete'],
    ['~Protect Sheet…', '.uno:Protect'],
    ['Protect Spreadsheet ~Structure…', '.uno:ToolProtectionDocument'],
  ]],
  ['~Help', HELP],
];

const IMPRESS = (slide, kind) => [
  ['~File', FILE([['~PDF', 'pdf'], ['~PowerPoint (.pptx)', 'pptx'], ['~ODF Presentation (.odp)', 'odp'],
    ['PowerPoint 97–2003 (.ppt)', 'ppt']])],
  ['~Edit', [
    ...EDIT_CLIPBOARD,
    '-',
    ['Dupli~cate…', '.uno:CopyObjects', 'Shift+F3'],
  ]],
  ['~View', [
    ['~Grid', [
      ['~Display Grid', '.uno:GridVisible'],
      ['~Snap to Grid', '.uno:GridUse'],
      ['~Helplines While Moving', '.uno:HelplinesMove'],
    ]],
    ...(slide === 'Slide' ? [
      ['~Normal', 'view-normal'],
      ['No~tes', 'view-notes'],
      ['Slide S~orter', 'slide-sorter'],
      '-',
    ] : []),
    ['Side~bar', 'sidebar'],
    ['~Comments', 'comments'],
    '-',
    ...VIEW_ZOOM,
  ]],
  ['~Insert', [
    [`~New ${slide}`, '.uno:InsertPage'],
    '-',
    ['Te~xt Box', '.uno:Text?CreateDirectly:bool=true', 'F2'],
    ['~Table…', 'insert-table'],
    ['Ima~ge…', 'insert-image'],
    ['C~hart', '.uno:InsertObjectChart'],
    '-',
    ['Hyperl~ink…', '.uno:HyperlinkDialog', 'Ctrl+K'],
    ['Co~mment', 'comment-add', 'Ctrl+Alt+C'],
    ['Spe~cial Character…', '.uno:InsertSymbol'],
    ['Fiel~d', [
      ['~Date (fixed)', '.uno:InsertDateFieldFix'],
      ['Date (~variable)', '.uno:InsertDateFieldVar'],
      ['~Time (fixed)', '.uno:InsertTimeFieldFix'],
      ['~Author', '.uno:InsertAuthorField'],
      [`${slide} ~Number`, '.uno:InsertPageField'],
      [`${slide} T~itle`, '.uno:InsertPageTitleField'],
      [`${slide} ~Count`, '.uno:InsertPagesField'],
    ]],
    ['Header and ~Footer…', '.uno:HeaderAndFooter'],
  ]],
  ['F~ormat', [
    ['~Text', TEXT_FORMAT],
    ['~Spacing', SPACING],
    ['~Align Text', PARA_ALIGN],
    ['~Lists', LISTS],
    ['Clear ~Direct Formatting', '.uno:SetDefault', 'Ctrl+M'],
    '-',
    ['C~haracter…', '.uno:FontDialog'],
    ['P~aragraph…', '.uno:ParagraphDialog'],
    ['~Bullets and Numbering…', '.uno:OutlineBullet'],
    '-',
    ['Position and Si~ze…', '.uno:TransformDialog', 'F4'],
    ['L~ine…', '.uno:FormatLine'],
    ['A~rea…', '.uno:FormatArea'],
    ['Text Attri~butes…', '.uno:TextAttributes'],
    ['Ali~gn Objects', [
      ['~Left', '.uno:ObjectAlignLeft'],
      ['~Centered', '.uno:AlignCenter'],
      ['~Right', '.uno:ObjectAlignRight'],
      ['~Top', '.uno:AlignUp'],
      ['C~enter', '.uno:AlignMiddle'],
      ['~Bottom', '.uno:AlignDown'],
    ]],
    ['A~rrange', [
      ['~Bring to Front', '.uno:BringToFront'],
      ['Bring ~Forward', '.uno:Forward'],
      ['Send Back~ward', '.uno:Backward'],
      ['~Send to Back', '.uno:SendToBack'],
    ]],
    ['~Group', [
      ['~Group', '.uno:FormatGroup', 'Ctrl+Shift+G'],
      ['~Ungroup', '.uno:FormatUngroup', 'Ctrl+Alt+Shift+G'],
    ]],
  ]],
  [kind, [
    [`~New ${slide}`, '.uno:InsertPage'],
    [`~Duplicate ${slide}`, '.uno:DuplicatePage'],
    [`D~elete ${slide}`, '.uno:DeletePage'],
    '-',
    [`${slide} ~Properties…`, '.uno:PageSetup'],
    ...(slide === 'Slide' ? [
      ['Change Slide ~Master…', '.uno:PresentationLayout'],
      ['~Show Slide', '.uno:ShowSlide'],
      ['~Hide Slide', '.uno:HideSlide'],
      ['~Layout', SLIDE_LAYOUTS],
    ] : []),
    '-',
    ['~Move', [
      [`${slide} to ~Start`, '.uno:MovePageFirst'],
      [`${slide} ~Up`, '.uno:MovePageUp'],
      [`${slide} ~Down`, '.uno:MovePageDown'],
      [`${slide} to ~End`, '.uno:MovePageLast'],
    ]],
    ...(slide === 'Slide' ? [
      '-',
      ['Start Slide Sho~w', 'slideshow', 'F5'],
      ['Start from ~Current Slide', 'slideshow:current', 'Shift+F5'],
    ] : []),
  ]],
  ['~Tools', [
    ...SPELLING('.uno:SpellDialog'),
    ['~Language', LANGUAGE(false)],
    ['~Hyphenation', '.uno:Hyphenation'],
  ]],
  ['~Help', HELP],
];

/** Document type (`status type=`) → its menubar. */
export const MENUS = {
  text: WRITER,
  spreadsheet: CALC,
  presentation: IMPRESS('Slide', 'S~lide'),
  drawing: IMPRESS('Page', '~Page'),
};

/** What Help ▸ Keyboard Shortcuts lists: the page's own keys. */
export const PAGE_SHORTCUTS = [
  ['Alt or F10', 'Go to the menu bar; arrows move, Enter opens, Escape goes back'],
  ['Alt+letter', 'Open the menu with that underlined letter'],
  ['Ctrl+F', 'Find bar (Enter: next, Shift+Enter: previous, Escape: close)'],
  ['Ctrl+H', 'Find & Replace dialog'],
  ['Ctrl+P', 'Print (through a PDF of the document)'],
  ['Shift+F10 or the context-menu key', 'Context menu at the cursor'],
  ['Ctrl+S', 'Save'],
  ['Ctrl+= / Ctrl+-', 'Zoom in / out'],
];
