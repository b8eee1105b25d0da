import { describe, expect, it } from 'vitest';
import { actionMatches, resourceMatches, resourcePrefixMatch, wildcardMatch, wildcardPrefixMatch } from './wildcard.js';

describe('wildcardMatch', () => {
  it.each([
    ['*', '', true],
    ['*', 'abc', true],
    ['', '', true],
    ['', 'a', false],
    ['abc', 'abc', true],
    ['abc', 'abcd', false],
    ['a*c', 'abc', true],
    ['a*c', 'ac', true],
    ['a*c', 'ab', false],
    ['a*c', 'abcabc', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['???', 'ab', false],
    ['*a*b', 'xxaxxb', true],
    ['*a*b', 'xxaxxbx', false],
    ['a**b', 'ab', true],
    ['*?', '', false],
    ['*?', 'x', true],
    // Regex metacharacters are literal.
    ['a.c', 'abc', false],
    ['a.c', 'a.c', true],
    ['a+[b]', 'a+[b]', true],
    ['(x|y)', 'x', false],
  ])('%j against %j is %s', (pattern, text, expected) => {
    expect(wildcardMatch(pattern, text)).toBe(expected);
  });

  it('stays fast on a pattern that makes naive backtracking explode', () => {
    const started = performance.now();
    expect(wildcardMatch('*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('actionMatches (case-insensitive, as IAM)', () => {
  it.each([
    ['sagemaker:Describe*', 'sagemaker:DescribeTrainingJob', true],
    ['sagemaker:describe*', 'SageMaker:DescribeTrainingJob', true],
    ['SAGEMAKER:LISTMODELS', 'sagemaker:ListModels', true],
    ['sagemaker:List*', 'sagemaker:DescribeModel', false],
    ['iam:*', 'sagemaker:ListModels', false],
    ['*', 'sts:GetCallerIdentity', true],
    ['sagemaker:*Tags', 'sagemaker:AddTags', true],
    ['sagemaker:*Tags', 'sagemaker:AddTag', false],
    ['s?gemaker:ListModels', 'sagemaker:ListModels', true],
    ['sagemaker:Search', 'sagemaker:SearchSuggestions', false],
    ['sagemaker:Get*', 'sagemaker:GetRecord', true],
  ])('%j against %j is %s', (pattern, action, expected) => {
    expect(actionMatches(pattern, action)).toBe(expected);
  });
});

describe('resourceMatches (case-sensitive but for SageMaker names, segment by segment for full ARNs)', () => {
  const job = 'arn:loam:sagemaker:us-east-1:000000000000:training-job/a';
  it.each([
    ['*', job, true],
    ['arn:loam:sagemaker:*:*:training-job/*', job, true],
    ['arn:loam:sagemaker:*:*:training-job/*', 'arn:loam:sagemaker:us-east-1:000000000000:endpoint/a', false],
    // SageMaker's names are case-insensitive: a policy's spelling does not matter for them …
    ['arn:loam:sagemaker:*:*:training-job/A', job, true],
    ['arn:loam:sagemaker:*:*:dataset/Secret*', 'arn:loam:sagemaker:us-east-1:000000000000:dataset/SecretData', true],
    ['arn:loam:sagemaker:*:*:dataset/Secret*', 'arn:loam:sagemaker:us-east-1:000000000000:dataset/secretdata', true],
    ['arn:loam:sagemaker:*:*:dataset/secret*', 'arn:loam:sagemaker:us-east-1:000000000000:dataset/SecretData', true],
    // … but only in the resource path, and not for other services (S3 keys and IAM ARNs keep their case).
    ['arn:loam:sagemaker:US-*:*:training-job/a', job, false],
    ['arn:loam:s3:::Bucket/*', 'arn:loam:s3:::bucket/a', false],
    ['arn:loam:iam::*:user/Admin', 'arn:loam:iam::000000000000:user/admin', false],
    ['arn:loam:iam::*:user/admin', 'arn:loam:iam::000000000000:user/admin', true],
    // Only ASCII letters fold, as in the ARN (`sageMakerArnName`): MLflow's `Été` and `été` are two experiments
    // with two ARNs, and a policy on one must not reach the other.
    ['arn:loam:sagemaker:*:*:experiment/été', 'arn:loam:sagemaker:us-east-1:000000000000:experiment/Été', false],
    ['arn:loam:sagemaker:*:*:experiment/É*', 'arn:loam:sagemaker:us-east-1:000000000000:experiment/été', false],
    ['arn:loam:sagemaker:*:*:experiment/CHURN-É*', 'arn:loam:sagemaker:us-east-1:000000000000:experiment/churn-Été', true],
    ['arn:loam:sagemaker:*:*:experiment/CHURN-É*', 'arn:loam:sagemaker:us-east-1:000000000000:experiment/churn-été', false],
    ['arn:loam:sagemaker:us-*:0*:training-job/a', job, true],
    ['arn:loam:sagemaker:eu-*:*:training-job/a', job, false],
    ['arn:loam:sagemaker:*:*:endpoint/ep-?', 'arn:loam:sagemaker:r:000000000000:endpoint/ep-1', true],
    ['arn:loam:sagemaker:*:*:endpoint/ep-?', 'arn:loam:sagemaker:r:000000000000:endpoint/ep-10', false],
    ['arn:loam:s3:::bucket/*', 'arn:loam:s3:::bucket/a/b/c', true],
    ['arn:loam:s3:::bucket/*', 'arn:loam:s3:::bucket2/a', false],
    // The account segment is matched on its own: a `*` in the region cannot reach past it.
    ['arn:loam:sagemaker:*:000000000000:model/*', 'arn:loam:sagemaker:us-east-1:111111111111:model/a:000000000000:model/x', false],
    ['arn:loam:sagemaker:*:000000000000:model/*', 'arn:loam:sagemaker:us-east-1:000000000000:model/a:b', true],
    // Shorter patterns match the whole string.
    ['arn:loam:sagemaker:*', job, true],
    ['arn:loam:iam:*', job, false],
    ['arn:*', job, true],
  ])('%j against %j is %s', (pattern, resource, expected) => {
    expect(resourceMatches(pattern, resource)).toBe(expected);
  });
});

describe('wildcardPrefixMatch (every text starting with the prefix: all, some or none match)', () => {
  it.each([
    ['*', '', 'all'],
    ['*', 'abc', 'all'],
    ['b/*', 'b/data/', 'all'],
    ['b/data/*', 'b/data/train', 'all'],
    ['b/data/*', 'b/data', 'some'], // b/data itself, b/datax … are not under data/
    ['b/data/*', 'b/other/', 'none'],
    ['b/data/train.csv', 'b/data/train.csv', 'some'], // train.csv.bak starts with it too
    ['b/data/train.csv', 'b/data/', 'some'],
    ['b/data/train.csv', 'b/x', 'none'],
    ['b/secret/*', 'b/', 'some'],
    ['b/secret/*', 'b/secret/x/', 'all'],
    ['b/?ecret/*', 'b/s', 'some'],
    ['b/?ecret/*', 'b/secret/', 'all'],
    ['*.csv', 'b/data/', 'some'],
    ['a*b*', 'ab', 'all'],
    ['a*b*', 'a', 'some'],
    ['a*b', 'ab', 'some'],
    ['', 'a', 'none'],
    ['', '', 'some'],
    ['a**', 'a', 'all'],
  ] as const)('%j against %j… is %s', (pattern, prefix, expected) => {
    expect(wildcardPrefixMatch(pattern, prefix)).toBe(expected);
  });

  it('never says all or none wrongly: every extension up to 4 characters checked with wildcardMatch, 3,000 random cases', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const word = (alphabet: string, max: number) => Array.from({ length: rand(max + 1) }, () => alphabet[rand(alphabet.length)]).join('');
    const extensions: string[] = [''];
    for (let len = 1; len <= 4; len++) for (const e of extensions.filter((x) => x.length === len - 1)) for (const c of 'ab/') extensions.push(e + c);
    const seen = { all: 0, some: 0, none: 0 };
    for (let i = 0; i < 3000; i++) {
      const pattern = word('ab/*?', 6);
      const prefix = word('ab/', 4);
      const r = wildcardPrefixMatch(pattern, prefix);
      seen[r]++;
      const hits = extensions.map((x) => wildcardMatch(pattern, prefix + x));
      if (r === 'all') expect(hits.every(Boolean), `${pattern} / ${prefix}`).toBe(true);
      if (r === 'none') expect(hits.some(Boolean), `${pattern} / ${prefix}`).toBe(false);
    }
    // The three answers all occur, so each assertion above was exercised.
    expect(Math.min(seen.all, seen.some, seen.none)).toBeGreaterThan(50);
  });

  it('stays fast on a pattern with many stars', () => {
    const started = performance.now();
    expect(wildcardPrefixMatch('*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000))).toBe('some');
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('resourcePrefixMatch', () => {
  it('matches the first five ARN segments as they are and the path as a prefix', () => {
    expect(resourcePrefixMatch('arn:loam:s3:::team/*', 'arn:loam:s3:::team/data/')).toBe('all');
    expect(resourcePrefixMatch('arn:aws:s3:::team/*', 'arn:loam:s3:::team/data/')).toBe('none');
    expect(resourcePrefixMatch('arn:loam:s3:::*', 'arn:loam:s3:::other/x')).toBe('all');
    expect(resourcePrefixMatch('arn:loam:s3*', 'arn:loam:s3:::other/x')).toBe('all');
    expect(resourcePrefixMatch('*', 'arn:loam:s3:::other/x')).toBe('all');
    expect(resourcePrefixMatch('arn:loam:s3:::team/secret/*', 'arn:loam:s3:::team/')).toBe('some');
  });

  it("compares a SageMaker ARN's path in any letter case, as resourceMatches does; an S3 key as it is", () => {
    // It compared every path as written: a Deny on dataset/Protected* did not reach the prefix dataset/prot
    // (a job's input s3://loam-datasets/datasets/prot), though it refused each protected-… dataset itself.
    const ds = 'arn:loam:sagemaker:us-east-1:000000000000:dataset/';
    expect(resourceMatches('arn:loam:sagemaker:*:*:dataset/Protected*', `${ds}protected-ds`)).toBe(true);
    expect(resourcePrefixMatch('arn:loam:sagemaker:*:*:dataset/Protected*', `${ds}prot`)).toBe('some');
    expect(resourcePrefixMatch('arn:loam:sagemaker:*:*:dataset/Protected*', `${ds}PROTECTED-`)).toBe('all');
    expect(resourcePrefixMatch('arn:loam:sagemaker:*:*:dataset/protected*', `${ds}Pro`)).toBe('some');
    expect(resourcePrefixMatch('arn:loam:sagemaker:*:*:dataset/Protected*', `${ds}pub`)).toBe('none');
    expect(resourcePrefixMatch('arn:loam:s3:::team/Secret/*', 'arn:loam:s3:::team/secret/')).toBe('none');
  });

  it('folds ASCII letters only, as the ARN does: a pattern on `Été…` reaches no `été…` prefix', () => {
    const ex = 'arn:loam:sagemaker:us-east-1:000000000000:experiment/';
    expect(resourcePrefixMatch('arn:loam:sagemaker:*:*:experiment/Été*', `${ex}été`)).toBe('none');
    expect(resourcePrefixMatch('arn:loam:sagemaker:*:*:experiment/ÉTÉ*', `${ex}Été`)).toBe('none');
    expect(resourcePrefixMatch('arn:loam:sagemaker:*:*:experiment/Été*', `${ex}ÉTé`)).toBe('all');
  });
});
