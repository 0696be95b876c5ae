// The environment of a scaled deployment: replicas and the ways to reach Redis, refused when they
// cannot work.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseLsn, formatLsn } from '../../db/read-routing.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('configuration for replicas and Redis Sentinel or Cluster', () => {
  test('DATABASE_READ_URL takes several replicas and needs the primary', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://p/db', DATABASE_READ_URL: ' postgres://r1/db, postgres://r2/db ,' });
    assert.deepEqual(c.databaseReadUrls, ['postgres://r1/db', 'postgres://r2/db']);
    assert.throws(() => loadConfig({ DATABASE_READ_URL: 'postgres://r1/db' }), (e: Error) => e instanceof ConfigError && /needs DATABASE_URL/.test(e.message));
  });

  test('one way to reach Redis, each checked', () => {
    assert.deepEqual(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000,[::1]:7001' }).redis, {
      kind: 'cluster', nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '::1', port: 7001 }], password: undefined,
    });
    assert.equal(loadConfig({ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'ccpor' }).redis?.kind, 'sentinel');
    assert.throws(() => loadConfig({ REDIS_SENTINELS: 's1:26379' }), /REDIS_SENTINEL_NAME/);
    assert.throws(() => loadConfig({ REDIS_SENTINELS: 's1', REDIS_SENTINEL_NAME: 'x' }), /not host:port/);
    assert.throws(() => loadConfig({ REDIS_URL: 'redis://a', REDIS_CLUSTER_NODES: 'b:1' }), /set one way/);
    assert.deepEqual(loadConfig({ REDIS_URL: 'redis://a:6379' }).redis, { kind: 'url', url: 'redis://a:6379' });
    assert.equal(loadConfig({}).redis, undefined);
  });

  test('WAL positions read and print as PostgreSQL writes them', () => {
    assert.equal(parseLsn('16/B374D848'), (0x16n << 32n) | 0xb374d848n);
    assert.equal(formatLsn(parseLsn('16/B374D848')!), '16/B374D848');
    assert.ok(parseLsn('1/0')! > parseLsn('0/FFFFFFFF')!);
    assert.equal(parseLsn(null), null);
    assert.equal(parseLsn('garbage'), null);
  });
});
