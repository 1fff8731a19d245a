// kcadm.sh's -s / -d syntax, update's merge and --fields, as `latchkey admin` reads them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyEdits, filterFields, merge, parseEdits, parseFields, type Json } from '../../src/cli/admin-edit.js';

const edit = (document: Json, sets: string[], deletes: string[] = []) => applyEdits(document, parseEdits(sets, deletes));

describe('latchkey admin -s and -d', () => {
  it('reads values as kcadm.sh does: JSON, booleans, numbers, quoted text, else text', () => {
    assert.deepEqual(edit({}, [
      'clientId=orders', 'enabled=true', 'publicClient=false', 'accessTokenLifespan=300', 'ratio=0.5',
      'redirectUris=["https://app/cb"]', 'consentTexts={"en":{"api":"Yes?"}}', 'name="42"', "description='true'", 'empty=',
    ]), {
      clientId: 'orders', enabled: true, publicClient: false, accessTokenLifespan: 300, ratio: 0.5,
      redirectUris: ['https://app/cb'], consentTexts: { en: { api: 'Yes?' } }, name: '42', description: 'true', empty: '',
    });
  });

  it('nests dotted names, except after attributes or config, whose keys hold dots', () => {
    assert.deepEqual(edit({ attributes: { keep: 'me' } }, [
      'consentTexts.en.profile=May we?',
      'attributes.pkce.code.challenge.method=S256',
      'attributes."use.refresh.tokens"=false',
      'attributes.latchkey.oidc=false',
      'protocolMappers[0].config.claim.name=department',
    ]), {
      attributes: { keep: 'me', 'pkce.code.challenge.method': 'S256', 'use.refresh.tokens': 'false', 'latchkey.oidc': 'false' },
      consentTexts: { en: { profile: 'May we?' } },
      protocolMappers: [{ config: { 'claim.name': 'department' } }],
    });
  });

  it('sets, appends and deletes array items', () => {
    const start = { redirectUris: ['https://a/cb', 'https://b/cb'] };
    assert.deepEqual(edit(start, ['redirectUris[1]=https://c/cb']), { redirectUris: ['https://a/cb', 'https://c/cb'] });
    assert.deepEqual(edit(start, ['redirectUris+=https://d/cb']), { redirectUris: ['https://a/cb', 'https://b/cb', 'https://d/cb'] });
    assert.deepEqual(edit({}, ['webOrigins+=https://app', 'customResources+={"claim":"dept","userAttribute":"dept"}']),
      { webOrigins: ['https://app'], customResources: [{ claim: 'dept', userAttribute: 'dept' }] });
    assert.deepEqual(edit(start, [], ['redirectUris[0]']), { redirectUris: ['https://b/cb'] });
    assert.deepEqual(edit({ a: 1, b: { c: 2, d: 3 } }, [], ['a', 'b.c', 'missing.x']), { b: { d: 3 } });
    assert.deepEqual(edit({ attributes: { department: ['x'] } }, ['attributes.department+=y']), { attributes: { department: ['x', 'y'] } });
    assert.deepEqual(start, { redirectUris: ['https://a/cb', 'https://b/cb'] }, 'the document given is not changed');
  });

  it('refuses bad syntax with the option named and the value never repeated', () => {
    const refused = (set: string, message: RegExp) => assert.throws(() => parseEdits([set]), message);
    refused('clientId', /invalid -s clientId: expected NAME=VALUE/);
    refused('=x', /the name is empty/);
    refused('a..b=1', /empty part/);
    refused('a."b=1', /unbalanced quote/);
    refused('a[]=1', /an index needs a number/);
    refused('a[1]+=1', /give no index/);
    refused('a[x]=1', /unexpected character/);
    assert.throws(() => parseEdits(['secret=[s3cr3t']), (err: Error) => /invalid -s secret: the value starts with \[/.test(err.message) && !err.message.includes('s3cr3t'));
    assert.throws(() => parseEdits([], ['a=b']), /expected a NAME only/);
    assert.throws(() => edit({ clientId: 'x' }, ['clientId.y=1']), /clientId is not an object/);
    assert.throws(() => edit([], ['a=1']), /edit a JSON object/);
  });
});

describe('latchkey admin update merge', () => {
  it('merges objects member by member and replaces arrays and values', () => {
    assert.deepEqual(
      merge({ name: 'a', attributes: { x: '1', y: '2' }, redirectUris: ['https://a/cb'] }, { attributes: { y: '3' }, redirectUris: [] }),
      { name: 'a', attributes: { x: '1', y: '3' }, redirectUris: [] });
  });
});

describe('latchkey admin --fields', () => {
  const clients: Json[] = [
    { id: '1', clientId: 'a', secret: 's', attributes: { 'pkce.code.challenge.method': 'S256', 'post.logout.redirect.uris': '' } },
    { id: '2', clientId: 'b', attributes: {} },
  ];
  it('keeps the fields named, with wildcards and nested lists, in every item of a list', () => {
    assert.deepEqual(filterFields(clients, parseFields('id,attributes(pkce*)')), [
      { id: '1', attributes: { 'pkce.code.challenge.method': 'S256' } }, { id: '2', attributes: {} },
    ]);
    assert.deepEqual(filterFields(clients[0], parseFields('client*')), { clientId: 'a' });
  });
  it('refuses a malformed filter', () => {
    assert.throws(() => parseFields('id,'), /a field name is missing/);
    assert.throws(() => parseFields('attributes(pkce*'), /unbalanced parenthesis/);
    assert.throws(() => parseFields('id)'), /unexpected \)/);
  });
});
