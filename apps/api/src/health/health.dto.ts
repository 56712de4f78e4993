export class HealthDto {
  status: 'ok';
}

export class ReadinessDto {
  status: 'ready';
  database: 'ok';
}
