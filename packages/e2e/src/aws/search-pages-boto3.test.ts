import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { boto3, requireDebianAwsTools, startAwsLoam, type AwsLoam } from './aws-loam.test-support.js';

/**
 * What a SageMaker client sees of Search's pages through Debian's boto3: TotalHits in each raw answer (Debian's
 * botocore predates the member, so the raw JSON is read), a forged or edited NextToken refused as a
 * ValidationException about NextToken alone, a token of another search refused as such, and VisibilityConditions
 * and CrossAccountFilterOption as botocore's current model documents them (sent signed by hand: Debian's botocore
 * does not know them).
 */
let loam: AwsLoam | undefined;
// A new server for each attempt: a retry would meet the groups the failed attempt made.
serverPerAttempt(async () => {
  requireDebianAwsTools();
  loam = await startAwsLoam();
}, async () => {
  await loam?.stop();
  loam = undefined;
}, 60_000);

const program = `
import base64, hashlib, urllib.request
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
sm = client('sagemaker')
RAW = []
sm.meta.events.register('after-call.sagemaker.Search', lambda http_response, **_: RAW.append(json.loads(http_response.content)))
made = [('g0', 'red'), ('g1', 'blue'), ('g2', None), ('g3', 'red'), ('g4', '')]
for name, team in made:
    sm.create_model_package_group(ModelPackageGroupName=name, **({'Tags': [{'Key': 'team', 'Value': team}]} if team is not None else {}))
out = {'pages': [], 'totals': []}
token = None
while True:
    r = sm.search(Resource='ModelPackageGroup', MaxResults=2, **({'NextToken': token} if token else {}))
    out['pages'].append([x['ModelPackageGroup']['ModelPackageGroupName'] for x in r['Results']])
    out['totals'].append(RAW[-1].get('TotalHits'))
    token = r.get('NextToken')
    if not token: break
def refusal(**kw):
    try:
        sm.search(**kw)
        return 'resolved'
    except Exception as e:
        return [e.response['Error']['Code'], e.response['Error']['Message']]
# A token as Loam shapes one (its value, key and search), with a value of the wrong type for CreationTime.
search_id = base64.urlsafe_b64encode(hashlib.sha256(json.dumps(['ModelPackageGroup', None, None, 'CreationTime', 'Descending'], separators=(',', ':')).encode()).digest()).decode().rstrip('=')[:16]
def forged(value): return base64.urlsafe_b64encode(json.dumps([value, 'g3', search_id], separators=(',', ':')).encode()).decode().rstrip('=')
first = sm.search(Resource='ModelPackageGroup', MaxResults=1)['NextToken']
out['refusals'] = {
    'text for a time': refusal(Resource='ModelPackageGroup', NextToken=forged('abc')),
    'boolean for a time': refusal(Resource='ModelPackageGroup', NextToken=forged(True)),
    'another resource': refusal(Resource='ModelPackage', NextToken=first),
    'another sort': refusal(Resource='ModelPackageGroup', SortBy='ModelPackageGroupName', NextToken=first),
}
def signed_search(body):
    req = AWSRequest(method='POST', url=ARGS['url'] + '/', data=json.dumps(body), headers={'X-Amz-Target': 'SageMaker.Search', 'Content-Type': 'application/x-amz-json-1.1'})
    SigV4Auth(session.get_credentials(), 'sagemaker', 'us-east-1').add_auth(req)
    try:
        with urllib.request.urlopen(urllib.request.Request(req.url, data=req.body, headers=dict(req.headers), method='POST')) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return json.loads(e.read())
def visible(conditions):
    r = signed_search({'Resource': 'ModelPackageGroup', 'SortBy': 'ModelPackageGroupName', 'SortOrder': 'Ascending', 'VisibilityConditions': conditions})
    return [x['ModelPackageGroup']['ModelPackageGroupName'] for x in r['Results']] if 'Results' in r else [r.get('__type'), r.get('message')]
out['visible'] = {
    'red': visible([{'Key': 'Tags.team', 'Value': 'red'}]),
    'red or blue': visible([{'Key': 'Tags.team', 'Value': 'red'}, {'Key': 'Tags.team', 'Value': 'blue'}]),
    'no value': visible([{'Key': 'Tags.team'}]),
    'no key': visible([{'Value': 'red'}]),
}
out['cross account'] = signed_search({'Resource': 'ModelPackageGroup', 'CrossAccountFilterOption': 'CrossAccount'})
out['same account'] = len(signed_search({'Resource': 'ModelPackageGroup', 'CrossAccountFilterOption': 'SameAccount'})['Results'])
print(json.dumps(out))
`;

describe('boto3: Search pages, TotalHits, tokens and visibility conditions', () => {
  it('answers TotalHits on every page, refuses forged and foreign tokens about NextToken only, and applies VisibilityConditions as documented', async () => {
    const out = await boto3<Record<string, any>>(loam as AwsLoam, program);
    expect(out['pages']).toEqual([['g4', 'g3'], ['g2', 'g1'], ['g0']]);
    // In CreationTime order the count goes on past each page; five groups are few enough to count to the end.
    expect(out['totals']).toEqual([{ Value: 5, Relation: 'EqualTo' }, { Value: 5, Relation: 'EqualTo' }, { Value: 5, Relation: 'EqualTo' }]);
    const refusals = out['refusals'] as Record<string, [string, string]>;
    for (const forged of ['text for a time', 'boolean for a time']) {
      expect(refusals[forged]).toEqual(['ValidationException', expect.stringMatching(/^NextToken '.*' is not a token this search issued/)]);
      expect(refusals[forged]?.[1]).not.toMatch(/creationTime|model_package_groups|field/);
    }
    expect(refusals['another resource']).toEqual(['ValidationException', expect.stringContaining('NextToken belongs to another search')]);
    expect(refusals['another sort']).toEqual(['ValidationException', expect.stringContaining('NextToken belongs to another search')]);
    // g2 has no team tag: it is found under every condition on team.
    expect(out['visible']).toEqual({
      red: ['g0', 'g2', 'g3'], 'red or blue': ['g0', 'g1', 'g2', 'g3'], 'no value': ['g2', 'g4'],
      'no key': ['ValidationException', expect.stringMatching(/^visibilityConditions\.1\.member\.key: A visibility condition needs a Key/)],
    });
    expect(out['cross account']).toEqual({ Results: [], TotalHits: { Value: 0, Relation: 'EqualTo' } });
    expect(out['same account']).toBe(5);
  }, 120_000);
});
