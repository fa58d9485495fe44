import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { BadRequestException, type Type } from '@nestjs/common';
import { InstallLicenseDto } from '../license/install-license.dto.js';
import { AddNodeDto } from '../mesh/dto/add-node.dto.js';
import { SetConnectDto } from '../mesh/dto/set-connect.dto.js';
import { UpdateMeshSettingsDto } from '../mesh/dto/update-mesh-settings.dto.js';
import { meshValidationPipe } from '../mesh/mesh-validation.js';
import { StrictValidationPipe, undeclaredKeys } from './strict-validation.pipe.js';

const PROTOTYPE_NAMES = [...Object.getOwnPropertyNames(Object.prototype), 'prototype'];

/** A JSON body as body-parser hands it over: `__proto__` is an own key. */
const json = (text: string): unknown => JSON.parse(text);

async function refusal(pipe: StrictValidationPipe, metatype: Type, body: unknown): Promise<unknown> {
  try {
    await pipe.transform(body, { type: 'body', metatype, data: undefined });
  } catch (error: unknown) {
    if (error instanceof BadRequestException) return (error.getResponse() as { message: unknown }).message;
    throw error;
  }
  return undefined;
}

describe('StrictValidationPipe', () => {
  const cases: Array<[string, StrictValidationPipe, Type, string]> = [
    ['settings', meshValidationPipe(), UpdateMeshSettingsDto, '"discovery":false'],
    ['add node', meshValidationPipe(), AddNodeDto, '"host":"a.b","port":1'],
    ['connect', meshValidationPipe(), SetConnectDto, '"connect":true'],
    ['license', new StrictValidationPipe(), InstallLicenseDto, '"token":"x"'],
  ];

  it.each(cases)(
    '%s: refuses every prototype name as an unknown key, by name',
    async (_, pipe, dto, valid) => {
      for (const key of PROTOTYPE_NAMES) {
        expect([key, await refusal(pipe, dto, json(`{${valid},${JSON.stringify(key)}:1}`))]).toEqual([
          key,
          [`property ${key} should not exist`],
        ]);
      }
      // The control: the same body without the extra key passes.
      expect(await refusal(pipe, dto, json(`{${valid}}`))).toBeUndefined();
    },
  );

  it('reports an unknown key once, beside the other properties’ problems', async () => {
    const body = json('{"toString":1,"colour":"green","port":0,"host":"a.b"}');
    expect(await refusal(meshValidationPipe(), AddNodeDto, body)).toEqual([
      'property toString should not exist',
      'property colour should not exist',
      'port must be an integer from 1 to 65535',
    ]);
  });

  it('lets a valid body through as the DTO', async () => {
    const pipe = meshValidationPipe();
    const node = await pipe.transform(json('{"host":"a.b","port":7222}'), {
      type: 'body',
      metatype: AddNodeDto,
    });
    expect(node).toBeInstanceOf(AddNodeDto);
    expect(node).toEqual({ host: 'a.b', port: 7222 });
  });

  it('leaves route parameters and arrays to the usual rules', async () => {
    const pipe = meshValidationPipe();
    await expect(
      pipe.transform('constructor', { type: 'param', metatype: String, data: 'id' }),
    ).resolves.toBe('constructor');
    expect(await refusal(pipe, SetConnectDto, [])).toEqual(['body: Validation failed (object is expected)']);
  });
});

describe('undeclaredKeys', () => {
  it('is the own keys outside the declared set, for plain objects only', () => {
    const declared = new Set(['a']);
    expect(undeclaredKeys(json('{"a":1,"__proto__":2,"b":3}'), declared)).toEqual(['__proto__', 'b']);
    expect(undeclaredKeys({ a: 1 }, declared)).toEqual([]);
    expect(undeclaredKeys(['x'], declared)).toEqual([]);
    expect(undeclaredKeys(null, declared)).toEqual([]);
    expect(undeclaredKeys('a', declared)).toEqual([]);
  });
});
