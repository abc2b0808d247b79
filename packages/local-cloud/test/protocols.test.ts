import * as cloudFormationModel from '@aws-sdk/client-cloudformation';
import * as sfnModel from '@aws-sdk/client-sfn';
import { encodeJsonValue } from '../src/protocols/json';
import { decodeQueryForm, encodeQueryXml } from '../src/protocols/query';
import { errorModel, operationModel } from '../src/protocols/shapes';
import { cloudFormationError } from '../src/cloudformation';

describe('protocol layer: shapes from the SDK clients', () => {
  it('decodes Query members by the input shape: booleans, numbers and lists no table lists', () => {
    // Arrange
    const form = new URLSearchParams(
      'Action=CreateStack&StackName=s&DisableValidation=true&TimeoutInMinutes=5&NotificationARNs.member.1=arn:sns',
    );

    // Act
    const input = decodeQueryForm(form, operationModel(cloudFormationModel, 'CreateStack')!.input);

    // Assert
    expect(input).toEqual({
      StackName: 's',
      DisableValidation: true,
      TimeoutInMinutes: 5,
      NotificationARNs: ['arn:sns'],
    });
  });

  it('encodes Query output members in shape order, timestamps as ISO 8601', () => {
    // Arrange
    const output = {
      Stacks: [
        {
          StackStatus: 'CREATE_COMPLETE',
          StackName: 's',
          CreationTime: new Date('2026-01-02T03:04:05.000Z'),
        },
      ],
    };

    // Act
    const xml = encodeQueryXml(output, operationModel(cloudFormationModel, 'DescribeStacks')!.output);

    // Assert
    expect(xml).toBe(
      '<Stacks><member><StackName>s</StackName><CreationTime>2026-01-02T03:04:05.000Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus></member></Stacks>',
    );
  });

  it('sends JSON timestamps as epoch seconds where the output shape says timestamp', () => {
    // Arrange
    const output = {
      executionArn: 'arn',
      startDate: '2026-01-02T03:04:05.000Z',
      name: '2026-01-02T03:04:05.000Z',
    };

    // Act
    const encoded = encodeJsonValue(output, operationModel(sfnModel, 'DescribeExecution')!.output);

    // Assert
    expect(encoded).toEqual({
      executionArn: 'arn',
      startDate: 1767323045,
      name: '2026-01-02T03:04:05.000Z',
    });
  });

  it.each<[string, typeof cloudFormationModel | typeof sfnModel, string, number]>([
    ['ChangeSetNotFound', cloudFormationModel, 'ChangeSetNotFound', 404],
    ['AlreadyExistsException', cloudFormationModel, 'AlreadyExistsException', 400],
    ['ExecutionDoesNotExist', sfnModel, 'ExecutionDoesNotExist', 400],
  ])('reads the status of %s from the model', (_name, model, code, status) => {
    // Act
    const modelled = errorModel(model, code);

    // Assert
    expect(modelled).toEqual({ code, status, senderFault: true });
  });

  it('CloudFormation errors carry the modelled status and fault', () => {
    // Act
    const error = cloudFormationError('ChangeSetNotFound', 'ChangeSet [x] does not exist');

    // Assert
    expect(error).toMatchObject({ code: 'ChangeSetNotFound', statusCode: 404, senderFault: true });
  });
});
