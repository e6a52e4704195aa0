import { describe, expect, it } from 'vitest';
import { classifyFailure, retryAdvice } from '../../../src/supervisor/classify.js';

describe('failure classification', () => {
  it.each([
    ['Error: 429 Too Many Requests', 'rate_limit'],
    ['{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}', 'rate_limit'],
    ['openai.RateLimitError: Rate limit reached for gpt-4 in organization org-x on requests per min', 'rate_limit'],
    ['HTTP 401 Unauthorized: invalid x-api-key', 'auth'],
    ['403 Forbidden: authentication required', 'auth'],
    ['Error: Invalid API key. Please run /login', 'auth'],
    ['{"error":{"code":"invalid_api_key"}}', 'auth'],
    ['You exceeded your current quota, please check your plan and billing details. (insufficient_quota)', 'quota'],
    ['429: quota exceeded for this project', 'quota'],
    ['Your credit balance is too low to access the API', 'quota'],
    ['{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}} (529)', 'overloaded'],
    ['503 Service Unavailable', 'overloaded'],
    ['Error: connect ECONNREFUSED 127.0.0.1:11434', 'network'],
    ['getaddrinfo ENOTFOUND api.example.com', 'network'],
    ['curl: (6) Could not resolve host: api.example.com', 'network'],
    ['Temporary failure in name resolution', 'network'],
    ['read ECONNRESET', 'network'],
    ['TypeError: Cannot read properties of undefined', 'unknown'],
    ['', 'unknown'],
  ])('reads %j as %s', (text, kind) => {
    expect(classifyFailure(text, 1, null)).toBe(kind);
  });

  it('retries rate limits, overload and network trouble, not auth, quota or missing secrets', () => {
    expect(retryAdvice('rate_limit')).toEqual({ retry: true, backoffFactor: 1 });
    expect(retryAdvice('network').retry).toBe(true);
    expect(retryAdvice('overloaded')).toEqual({ retry: true, backoffFactor: 4 });
    expect(retryAdvice('auth').retry).toBe(false);
    expect(retryAdvice('quota').retry).toBe(false);
    expect(retryAdvice('secrets').retry).toBe(false);
    expect(retryAdvice('unknown').retry).toBe(true);
  });
});
