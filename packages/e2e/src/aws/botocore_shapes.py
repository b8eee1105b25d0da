"""Checks a raw AWS JSON response body against botocore's output shape, as the service model states it.

The raw body, not boto3's parsed answer: botocore's parser drops members its shape lacks, and checks
none of the rest: it takes whatever the server sent. So an answer a real service
would never give (an empty S3Uri, a member the shape lacks, a value outside an enum) passes boto3 and
fails later, in a client that trusts the model (the AWS SDK for Java, Go's, a pydantic model generated
from it). `violations(shape, value)` lists every departure: members the shape lacks, missing required
members, enum values, string and list/map lengths (min/max), numeric ranges, and patterns (Java regex,
whole-value match; a pattern Python's re cannot compile is counted in `unchecked`, never passed silently).

Loam's ARNs are in its own partition (`arn:loam:...`, docs/architecture.md), which no `arn:aws...`
pattern admits: with `partition='loam'` an ARN in it is matched as if its partition were `aws`, so
every other part of the ARN is still checked.
"""
import datetime
import re

_compiled = {}


def _pattern(p):
    if p not in _compiled:
        try:
            _compiled[p] = re.compile(p)
        except re.error:
            _compiled[p] = None
    return _compiled[p]


def violations(shape, value, path='', unchecked=None, partition=None):
    out = []
    _check(shape, value, path or shape.name, out, unchecked if unchecked is not None else [], partition)
    return out


def _check(shape, value, path, out, unchecked, partition=None):
    t = shape.type_name
    meta = shape.metadata
    if t == 'structure':
        if not isinstance(value, dict):
            out.append(f'{path}: expected an object, got {type(value).__name__}')
            return
        for name in shape.required_members:
            if name not in value:
                out.append(f'{path}.{name}: required member missing')
        for name, v in value.items():
            if name == 'ResponseMetadata' and path.count('.') == 0:
                continue
            member = shape.members.get(name)
            if member is None:
                out.append(f'{path}.{name}: member not in {shape.name}')
                continue
            _check(member, v, f'{path}.{name}', out, unchecked, partition)
        return
    if t == 'list':
        if not isinstance(value, list):
            out.append(f'{path}: expected a list, got {type(value).__name__}')
            return
        _length(path, len(value), meta, out, 'items')
        for i, v in enumerate(value):
            _check(shape.member, v, f'{path}[{i}]', out, unchecked, partition)
        return
    if t == 'map':
        if not isinstance(value, dict):
            out.append(f'{path}: expected a map, got {type(value).__name__}')
            return
        _length(path, len(value), meta, out, 'entries')
        for k, v in value.items():
            _check(shape.key, k, f'{path}<key {k!r}>', out, unchecked, partition)
            _check(shape.value, v, f'{path}[{k!r}]', out, unchecked, partition)
        return
    if t == 'string':
        if not isinstance(value, str):
            out.append(f'{path}: expected a string, got {type(value).__name__} {value!r}')
            return
        enum = shape.enum
        if enum and value not in enum:
            out.append(f'{path}: {value!r} is not one of {shape.name} {sorted(enum)}')
        _length(path, len(value), meta, out, 'characters', value)
        p = meta.get('pattern')
        if p is not None:
            rx = _pattern(p)
            matched = value
            if partition and value.startswith(f'arn:{partition}:'):
                matched = 'arn:aws:' + value[len(partition) + 5:]
            if rx is None:
                unchecked.append(f'{path}: pattern {p!r}')
            elif rx.fullmatch(matched) is None:
                out.append(f'{path}: {value!r} does not match {shape.name} pattern {p!r}')
        return
    if t in ('integer', 'long'):
        if isinstance(value, bool) or not isinstance(value, int):
            out.append(f'{path}: expected an integer, got {value!r}')
            return
        _range(path, value, meta, out)
        return
    if t in ('float', 'double'):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            out.append(f'{path}: expected a number, got {value!r}')
            return
        _range(path, value, meta, out)
        return
    if t == 'boolean':
        if not isinstance(value, bool):
            out.append(f'{path}: expected a boolean, got {value!r}')
        return
    if t == 'timestamp':
        # JSON protocols send epoch seconds (a number); a parsed answer holds a datetime.
        if isinstance(value, bool) or not isinstance(value, (int, float, datetime.datetime)):
            out.append(f'{path}: expected a timestamp, got {value!r}')
        return
    if t == 'blob':
        return
    unchecked.append(f'{path}: type {t}')


def _length(path, n, meta, out, unit, value=None):
    shown = f' {value!r}' if value is not None else ''
    if 'min' in meta and n < meta['min']:
        out.append(f'{path}:{shown} has {n} {unit}, fewer than min {meta["min"]}')
    if 'max' in meta and n > meta['max']:
        out.append(f'{path}:{shown} has {n} {unit}, more than max {meta["max"]}')


def _range(path, v, meta, out):
    if 'min' in meta and v < meta['min']:
        out.append(f'{path}: {v} is below min {meta["min"]}')
    if 'max' in meta and v > meta['max']:
        out.append(f'{path}: {v} is above max {meta["max"]}')
