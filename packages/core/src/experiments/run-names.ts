import { randomInt } from 'node:crypto';

// MLflow names unnamed runs `<adjective>-<noun>-<number>`; the words here are Loam's own.
const ADJECTIVES = ['amber', 'brisk', 'calm', 'clever', 'dapper', 'eager', 'fleet', 'gentle', 'hardy', 'keen', 'lucid', 'merry', 'nimble', 'placid', 'quiet', 'rustic', 'sunny', 'tidy', 'vivid', 'witty'];
const NOUNS = ['badger', 'cedar', 'comet', 'delta', 'falcon', 'fern', 'harbor', 'heron', 'lark', 'maple', 'meadow', 'otter', 'pebble', 'quartz', 'raven', 'river', 'sparrow', 'tundra', 'willow', 'yak'];

export function randomRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}
