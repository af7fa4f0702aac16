import { makeStyles, tokens } from '@fluentui/react-components';

/**
 * Colours of every chart part, as CSS (not SVG attributes) so that forced colours (Windows high
 * contrast) can swap them for system colours. The charts opt out of the browser's automatic forcing
 * (which turns every fill into one colour: the "black blobs") and use CanvasText, Highlight and
 * GrayText instead; parts that differ only by colour also differ by pattern or dash.
 */
const FORCED = '@media (forced-colors: active)';

export const useChartStyles = makeStyles({
  svg: {
    display: 'block',
    overflow: 'visible',
    [FORCED]: { forcedColorAdjust: 'none', backgroundColor: 'Canvas' },
  },
  text: {
    fill: tokens.colorNeutralForeground2,
    fontSize: '11px',
    fontFamily: tokens.fontFamilyBase,
    [FORCED]: { fill: 'CanvasText' },
  },
  strongText: {
    fill: tokens.colorNeutralForeground1,
    fontSize: '11px',
    fontWeight: tokens.fontWeightSemibold,
    fontFamily: tokens.fontFamilyBase,
    [FORCED]: { fill: 'CanvasText' },
  },
  axis: { stroke: tokens.colorNeutralStroke1, strokeWidth: 1, fill: 'none', [FORCED]: { stroke: 'CanvasText' } },
  grid: { stroke: tokens.colorNeutralStroke2, strokeWidth: 1, strokeDasharray: '2 3', fill: 'none', [FORCED]: { stroke: 'GrayText' } },
  bar: { fill: tokens.colorBrandForeground1, [FORCED]: { fill: 'Highlight' } },
  line: { stroke: tokens.colorBrandForeground1, strokeWidth: 2, fill: 'none', [FORCED]: { stroke: 'Highlight' } },
  point: {
    fill: tokens.colorBrandForeground1,
    stroke: tokens.colorNeutralBackground1,
    strokeWidth: 1,
    [FORCED]: { fill: 'Highlight', stroke: 'Canvas' },
  },
  area: { fill: tokens.colorBrandBackground2, [FORCED]: { fill: 'none' } },
  band: {
    fill: tokens.colorPaletteLightGreenBackground2,
    stroke: tokens.colorPaletteGreenBorder2,
    strokeWidth: 0.75,
    [FORCED]: { fill: 'none', stroke: 'GrayText', strokeWidth: 1.5, strokeDasharray: '1 2' },
  },
  median: {
    stroke: tokens.colorPaletteGreenForeground1,
    strokeWidth: 1.5,
    strokeDasharray: '4 2',
    fill: 'none',
    [FORCED]: { stroke: 'CanvasText' },
  },
  /** Background of unknown days: hatched, never a zero bar. */
  hatch: { stroke: tokens.colorNeutralForeground3, strokeWidth: 1, [FORCED]: { stroke: 'GrayText' } },
  hatchBack: { fill: tokens.colorNeutralBackground1, [FORCED]: { fill: 'Canvas' } },
  nonTerm: { fill: tokens.colorNeutralBackground4, [FORCED]: { fill: 'none' } },
  nonTermDot: { fill: tokens.colorNeutralForeground4, [FORCED]: { fill: 'GrayText' } },
  windowShade: { fill: tokens.colorNeutralForeground1, fillOpacity: 0.06, [FORCED]: { fill: 'GrayText', fillOpacity: 0.12 } },
  windowEdge: { stroke: tokens.colorNeutralForeground3, strokeWidth: 1, fill: 'none', [FORCED]: { stroke: 'CanvasText' } },
  marker: {
    stroke: tokens.colorPaletteRedForeground1,
    strokeWidth: 2,
    strokeDasharray: '6 2',
    fill: 'none',
    [FORCED]: { stroke: 'CanvasText' },
  },
  markerText: {
    fill: tokens.colorPaletteRedForeground1,
    fontSize: '11px',
    fontWeight: tokens.fontWeightSemibold,
    fontFamily: tokens.fontFamilyBase,
    [FORCED]: { fill: 'CanvasText' },
  },
  outline: { fill: 'none', stroke: tokens.colorNeutralStroke1, strokeWidth: 1, [FORCED]: { stroke: 'CanvasText' } },
  legend: {
    display: 'flex',
    flexWrap: 'wrap',
    columnGap: tokens.spacingHorizontalL,
    rowGap: tokens.spacingVerticalXS,
    listStyle: 'none',
    margin: 0,
    padding: 0,
    fontSize: tokens.fontSizeBase200,
    color: tokens.colorNeutralForeground2,
  },
  legendItem: { display: 'inline-flex', alignItems: 'center', gap: tokens.spacingHorizontalXS },
  tableWrap: { overflowX: 'auto', maxWidth: '100%' },
  table: {
    borderCollapse: 'collapse',
    fontSize: tokens.fontSizeBase200,
    '& th, & td': {
      padding: `2px ${tokens.spacingHorizontalS}`,
      textAlign: 'right',
      borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
    },
    '& th:first-child, & td:first-child': { textAlign: 'left' },
  },
});

/** Series colours for categories (outcomes), each paired with a pattern so colour is never the only difference. */
export const useCategoryStyles = makeStyles({
  c0: { fill: tokens.colorPaletteGreenBackground3, [FORCED]: { fill: 'Canvas' } },
  c1: { fill: tokens.colorPaletteMarigoldBackground3, [FORCED]: { fill: 'Canvas' } },
  c2: { fill: tokens.colorPaletteBerryBackground3, [FORCED]: { fill: 'Canvas' } },
  c3: { fill: tokens.colorPaletteRedBackground3, [FORCED]: { fill: 'Canvas' } },
  c4: { fill: tokens.colorNeutralForeground3, [FORCED]: { fill: 'Canvas' } },
  c5: { fill: tokens.colorPaletteTealBackground2, [FORCED]: { fill: 'Canvas' } },
  c6: { fill: tokens.colorNeutralBackground1, [FORCED]: { fill: 'Canvas' } },
  ink: {
    stroke: tokens.colorNeutralForeground1,
    strokeOpacity: 0.55,
    strokeWidth: 1.25,
    fill: 'none',
    [FORCED]: { stroke: 'CanvasText', strokeOpacity: 1 },
  },
  inkFill: { fill: tokens.colorNeutralForeground1, fillOpacity: 0.55, [FORCED]: { fill: 'CanvasText', fillOpacity: 1 } },
  edge: { fill: 'none', stroke: tokens.colorNeutralBackground1, strokeWidth: 1, [FORCED]: { stroke: 'CanvasText' } },
});
