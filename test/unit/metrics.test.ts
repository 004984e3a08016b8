import { REVIEW_DURATION_BUCKETS, createMetrics } from '../../src/http/metrics';

describe('createMetrics', () => {
  it('exposes the review metrics under their documented names and labels', async () => {
    const metrics = createMetrics({ storeSizeBytes: () => 4096 });
    metrics.reviews.inc({ decision: 'allowed', mode: 'enforce', endpoint: 'imagereview' });
    metrics.reviews.inc({ decision: 'denied', mode: 'enforce', endpoint: 'imagereview' });
    metrics.reviews.inc({ decision: 'denied', mode: 'enforce', endpoint: 'imagereview' });
    metrics.reviewDuration.observe(0.0021);
    metrics.breakGlass.inc();
    metrics.invalidRequests.inc({ reason: 'bad-json' });
    metrics.auditWriteFailures.inc();
    metrics.policyReloads.inc({ result: 'failure' });

    const text = await metrics.registry.metrics();
    expect(text).toContain('image_reviewer_reviews_total{decision="allowed",mode="enforce",endpoint="imagereview"} 1');
    expect(text).toContain('image_reviewer_reviews_total{decision="denied",mode="enforce",endpoint="imagereview"} 2');
    expect(text).toContain('image_reviewer_review_duration_seconds_bucket{le="0.0025"} 1');
    expect(text).toContain('image_reviewer_review_duration_seconds_bucket{le="0.001"} 0');
    expect(text).toContain('image_reviewer_review_duration_seconds_count 1');
    expect(text).toContain('image_reviewer_break_glass_total 1');
    expect(text).toContain('image_reviewer_invalid_requests_total{reason="bad-json"} 1');
    expect(text).toContain('image_reviewer_audit_write_failures_total 1');
    expect(text).toContain('image_reviewer_policy_reloads_total{result="failure"} 1');
    expect(text).toContain('image_reviewer_store_size_bytes 4096');
    expect(metrics.registry.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('has millisecond-scale latency buckets from 0.5 ms to 1 s', () => {
    expect(REVIEW_DURATION_BUCKETS[0]).toBe(0.0005);
    expect(REVIEW_DURATION_BUCKETS[REVIEW_DURATION_BUCKETS.length - 1]).toBe(1);
    expect([...REVIEW_DURATION_BUCKETS].sort((a, b) => a - b)).toEqual(REVIEW_DURATION_BUCKETS);
  });

  it('reads the store size at each scrape, keeping the last value when the read fails', async () => {
    const sizes = [100, 250];
    let fail = false;
    const metrics = createMetrics({
      storeSizeBytes: () => {
        if (fail) throw new Error('ENOENT');
        return sizes.shift() ?? 0;
      },
    });
    expect(await metrics.registry.metrics()).toContain('image_reviewer_store_size_bytes 100');
    expect(await metrics.registry.metrics()).toContain('image_reviewer_store_size_bytes 250');
    fail = true;
    expect(await metrics.registry.metrics()).toContain('image_reviewer_store_size_bytes 250');
  });

  it('includes the standard process and Node.js metrics', async () => {
    const text = await createMetrics({ storeSizeBytes: () => 0 }).registry.metrics();
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('gives each call its own registry, so two instances never share counts', async () => {
    const a = createMetrics({ storeSizeBytes: () => 0 });
    const b = createMetrics({ storeSizeBytes: () => 0 });
    a.breakGlass.inc(5);
    expect(await b.registry.metrics()).toContain('image_reviewer_break_glass_total 0');
    expect(await a.registry.metrics()).toContain('image_reviewer_break_glass_total 5');
  });
});
