import { Rng } from '../data/random.js';
import { SearchSpace, type Configuration } from './search-space.js';
import { deriveSeed, type SearchStrategy, type StrategyOptions, type SuggestRequest } from './strategy.js';

/**
 * Random search: each configuration is an independent draw, uniform in every range's scaling
 * (log-uniform for `Logarithmic`), uniform over categorical values. Repeats are redrawn (up to a
 * point) so small categorical spaces are not sampled twice while unseen configurations remain.
 */
export class RandomStrategy implements SearchStrategy {
  private readonly space: SearchSpace;

  constructor(private readonly options: StrategyOptions) {
    this.space = new SearchSpace(options.ranges);
  }

  suggest({ history, count }: SuggestRequest): Configuration[] {
    const seen = new Set(history.map((t) => this.space.key(t.config)));
    const out: Configuration[] = [];
    for (let i = 0; i < count; i++) {
      const rng = new Rng(deriveSeed(this.options.seed, history.length + i));
      let config = this.space.decode(this.space.sample(rng));
      for (let tries = 0; tries < 50 && seen.has(this.space.key(config)); tries++) config = this.space.decode(this.space.sample(rng));
      seen.add(this.space.key(config));
      out.push(config);
    }
    return out;
  }
}
