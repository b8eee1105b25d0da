"""
Seeds a stopped `loam up` data dir at team scale, straight into its SQLite stores, in the shape the API
writes (one real training job's record, from `seed-job`, is the template; see run.sh):
  20,000 Completed/Failed/Stopped training jobs (metrics, metric series, hyperparameters), each with its
  MLflow run in the Default experiment (params, tags, latest metrics) as the job service writes it;
  50,000 MLflow runs in one experiment 'scale' with 6 params, 4 tags, 3 metrics each;
  lineage edges: the jobs' own (input data -> job -> model artifact, job -> run) come from Loam's lineage
  sync at start; here 40,000 more (artifact chains 12 deep, for QueryLineage);
  10,000 tags on training jobs.
usage: python3 bench/scale/seed-store.py <data-dir> [--jobs 20000] [--runs 50000]
"""
import copy, hashlib, json, random, sqlite3, sys

data = sys.argv[1]
arg = lambda n, d: int(sys.argv[sys.argv.index(n) + 1]) if n in sys.argv else d
JOBS, RUNS = arg('--jobs', 20000), arg('--runs', 50000)
rnd = random.Random(7)
db = sqlite3.connect(f'{data}/loam.db')
ex = sqlite3.connect(f'{data}/experiments.db')
tmpl = json.loads(db.execute("select doc from jobs where pk = 'training-job/seed-job'").fetchone()[0])
ARN = 'arn:loam:sagemaker:us-east-1:000000000000'
T0 = tmpl['creationTime'] - 90 * 86400
run_key = ex.execute("select value from mlflow_id_counters where name = 'run_key'").fetchone()[0]
hexid = lambda s: hashlib.md5(s.encode()).hexdigest()

jobs, runs, params, rtags, latest, points, tags = [], [], [], [], [], [], []
for i in range(JOBS):
    name = f'xgb-{"churn" if i % 3 else "fraud"}-{i:05d}'
    d = copy.deepcopy(tmpl)
    t = T0 + i * (90 * 86400 / JOBS)
    status = 'Completed' if i % 20 else ('Failed' if i % 40 else 'Stopped')
    hp = {'num_round': str(50 + i % 200), 'objective': 'binary:logistic', 'eval_metric': 'auc', 'max_depth': str(3 + i % 8), 'eta': str(round(0.01 + (i % 30) / 100, 2))}
    auc = round(0.6 + rnd.random() * 0.39, 5)
    d.update(id=f'training-job/{name}', name=name, arn=f'{ARN}:training-job/{name}', status=status, secondaryStatus=status,
             creationTime=t, lastModifiedTime=t + 60, startTime=t + 1, endTime=t + 60,
             modelArtifacts=f's3://seed/output/{name}/output/model.tar.gz')
    d['request'].update(TrainingJobName=name, HyperParameters=hp)
    d['spec'].update(name=name, arn=d['arn'], hyperParameters=hp)
    for c in d['request']['InputDataConfig']: c['DataSource']['S3DataSource']['S3Uri'] = f's3://seed/data-{i % 50}/{c["ChannelName"]}/'
    for c in d['spec']['channels']: c['s3Uri'] = f's3://seed/data-{i % 50}/{c["name"]}/'
    for tr in d['transitions']: tr['StartTime'] = t; tr['EndTime'] = t + 60
    d['transitions'][-1]['Status'] = status
    d['finalMetrics'] = {'train:auc': {'value': auc, 'time': t + 59}, 'validation:auc': {'value': auc - 0.01, 'time': t + 59}}
    series = [[t + s, round(auc * (s + 1) / 50, 5), s] for s in range(50)]
    d['metricSeries'] = {'train:auc': {'points': series, 'count': 50}, 'validation:auc': {'points': series, 'count': 50}}
    d['exits'] = {'algo-1': {'outcome': status, 'secondaryStatus': status}}
    d.pop('handle', None)
    jobs.append((d['id'], json.dumps(d, separators=(',', ':')), 3, d['arn'], t, 'training-job', t + 60, name, 'done', status))
    if i < 10000: tags.extend([(d['arn'], 'team', f'team-{i % 12}')])
    run_key += 1
    runs.append((hexid(name), run_key, 0, name, 'admin', 'FINISHED' if status == 'Completed' else 'FAILED', int(t * 1000), int((t + 60) * 1000), 'active', f'mlflow-artifacts:/0/{hexid(name)}/artifacts', None))
    params.extend((run_key, k, v) for k, v in hp.items())
    rtags.extend([(run_key, 'loam.training_job_arn', d['arn']), (run_key, 'loam.training_job_name', name), (run_key, 'mlflow.runName', name),
                  (run_key, 'mlflow.source.name', d['arn']), (run_key, 'mlflow.source.type', 'JOB'), (run_key, 'mlflow.user', 'admin')])
    latest.extend([(run_key, 'train:auc', 49, int((t + 59) * 1000), auc, 0), (run_key, 'validation:auc', 49, int((t + 59) * 1000), auc - 0.01, 0)])

ex.execute("insert into mlflow_experiments values (1, 'scale', 'mlflow-artifacts:/1', 'active', ?, ?)", (int(T0 * 1000), int(T0 * 1000)))
for i in range(RUNS):
    run_key += 1
    rid = hexid(f'scale-{i}')
    t = int((T0 + i * 120) * 1000)
    runs.append((rid, run_key, 1, f'run-{i:05d}', f'user{i % 8}', 'FINISHED' if i % 10 else 'FAILED', t, t + 60000, 'active', f'mlflow-artifacts:/1/{rid}/artifacts', None))
    params.extend([(run_key, 'lr', str(round(10 ** -rnd.uniform(1, 4), 6))), (run_key, 'model', ['xgb', 'lgbm', 'mlp', 'rf'][i % 4]),
                   (run_key, 'depth', str(2 + i % 10)), (run_key, 'batch', str(2 ** (4 + i % 5))), (run_key, 'seed', str(i)), (run_key, 'features', f'v{i % 7}')])
    rtags.extend([(run_key, 'mlflow.runName', f'run-{i:05d}'), (run_key, 'mlflow.user', f'user{i % 8}'), (run_key, 'team', f'team-{i % 12}'), (run_key, 'stage', ['dev', 'staging', 'prod'][i % 3])])
    loss = rnd.random()
    latest.extend([(run_key, 'loss', 99, t + 59000, loss, 0), (run_key, 'accuracy', 99, t + 59000, 1 - loss / 2, 0), (run_key, 'f1', 99, t + 59000, 1 - loss / 3, 0)])
    points.extend((run_key, 'loss', s, t + s * 600, loss * (100 - s) / 100, 0) for s in range(0, 100, 10))

db.executemany('insert into jobs (pk, doc, version, ix_arn, "ix_creationTime", ix_kind, "ix_lastModifiedTime", ix_name, ix_phase, ix_status) values (?,?,?,?,?,?,?,?,?,?)', jobs)
db.executemany('insert or ignore into tags values (?,?,?)', tags)
# Chains of artifacts 12 deep under 200 roots, each node fanning out to 2 -> 40,000 edges.
edges = []
for r in range(200):
    level = [f'{ARN}:artifact/{hexid(f"root-{r}")}']
    while len(edges) < (r + 1) * 200:
        nxt = []
        for a in level:
            for k in range(2):
                b = f'{ARN}:artifact/{hexid(a + str(k))}'
                edges.append((a, b, 'ContributedTo', int(T0 * 1000) + len(edges)))
                nxt.append(b)
                if len(edges) >= (r + 1) * 200: break
            if len(edges) >= (r + 1) * 200: break
        level = nxt
db.executemany('insert or ignore into lineage_edges values (?,?,?,?)', edges)
db.commit()
ex.executemany('insert into mlflow_runs values (?,?,?,?,?,?,?,?,?,?,?)', runs)
ex.executemany('insert into mlflow_params values (?,?,?)', params)
ex.executemany('insert into mlflow_tags values (?,?,?)', rtags)
ex.executemany('insert into mlflow_latest_metrics values (?,?,?,?,?,?)', latest)
ex.executemany('insert or ignore into mlflow_metrics values (?,?,?,?,?,?)', points)
ex.execute("update mlflow_id_counters set value = ? where name = 'run_key'", (run_key,))
ex.execute("update mlflow_id_counters set value = 1 where name = 'experiment_id'")
ex.commit()
print(json.dumps({'jobs': len(jobs), 'runs': len(runs), 'edges': len(edges), 'tags': len(tags)}))
