import { MlInputError } from '../errors.js';
import { gridSize, type ParameterRange } from './parameter-ranges.js';
import { SearchSpace, type Configuration } from './search-space.js';
import type { SearchStrategy, StrategyOptions, SuggestRequest } from './strategy.js';

/**
 * Grid search over categorical ranges: every combination once, in mixed-radix order with the last
 * range varying fastest. The job count is the grid's size ({@link gridSize}).
 */
export class GridStrategy implements SearchStrategy {
  private readonly space: SearchSpace;
  readonly size: number;

  constructor(options: StrategyOptions) {
    for (const r of options.ranges) {
      if (r.type !== 'Categorical') {
        throw new MlInputError(`${r.type} parameter range '${r.name}' is not allowed with the Grid strategy, which takes categorical parameter ranges only.`, { parameterRange: r.name });
      }
    }
    this.space = new SearchSpace(options.ranges);
    this.size = gridSize(options.ranges);
  }

  /** The `index`-th configuration of the grid. */
  at(index: number): Configuration {
    const out: Record<string, string> = {};
    let rest = index;
    const ranges = this.space.ranges as readonly Extract<ParameterRange, { type: 'Categorical' }>[];
    for (let i = ranges.length - 1; i >= 0; i--) {
      const r = ranges[i]!;
      out[r.name] = r.values[rest % r.values.length] as string;
      rest = Math.floor(rest / r.values.length);
    }
    return out;
  }

  suggest({ history, count }: SuggestRequest): Configuration[] {
    const seen = new Set(history.map((t) => this.space.key(t.config)));
    const out: Configuration[] = [];
    for (let i = 0; i < this.size && out.length < count; i++) {
      const c = this.at(i);
      if (!seen.has(this.space.key(c))) out.push(c);
    }
    return out;
  }
}
