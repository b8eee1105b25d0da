import { balanceTransforms } from './balance.js';
import { binningTransforms } from './binning.js';
import { columnTransforms } from './columns.js';
import { combineTransforms } from './combine.js';
import { datetimeTransforms } from './datetime.js';
import { encodingTransforms } from './encoding.js';
import { missingTransforms } from './missing.js';
import { outlierTransforms } from './outliers.js';
import { rowTransforms } from './rows.js';
import { scalingTransforms } from './scaling.js';
import { splitTransforms } from './split.js';
import { textTransforms } from './text.js';
import type { TransformDef } from './transform.js';

/** Every transform a flow node may name, in catalogue order. */
export const transformList: readonly TransformDef[] = [
  ...columnTransforms, ...missingTransforms, ...encodingTransforms, ...scalingTransforms, ...binningTransforms, ...textTransforms,
  ...rowTransforms, ...splitTransforms, ...combineTransforms, ...datetimeTransforms, ...outlierTransforms, ...balanceTransforms,
];

export const transforms: ReadonlyMap<string, TransformDef> = new Map(transformList.map((t) => [t.name, t]));
