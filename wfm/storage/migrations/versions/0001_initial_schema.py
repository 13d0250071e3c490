"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-12-04 16:14:43.791649
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('imports',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imports'))
    )
    op.create_table('pipeline_runs',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('user', sa.String(length=128), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pipeline_runs'))
    )
    op.create_table('sites',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites'))
    )
    op.create_table('agent_events',
    sa.Column('agent_id', sa.String(length=64), nullable=False),
    sa.Column('timestamp', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=64), nullable=False),
    sa.Column('reason_code', sa.String(length=64), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['imports.id'], name=op.f('fk_agent_events_import_id_imports')),
    sa.PrimaryKeyConstraint('agent_id', 'timestamp', 'state', name=op.f('pk_agent_events'))
    )
    op.create_table('agents',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('contract_id', sa.String(length=64), nullable=False),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('days_off', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_agents_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agents'))
    )
    op.create_table('forecasts',
    sa.Column('run_id', sa.String(length=32), nullable=False),
    sa.Column('queue_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('interval_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('interval_minutes', sa.Integer(), nullable=False),
    sa.Column('volume', sa.Float(), nullable=False),
    sa.Column('volume_lower', sa.Float(), nullable=True),
    sa.Column('volume_upper', sa.Float(), nullable=True),
    sa.Column('aht_seconds', sa.Float(), nullable=False),
    sa.Column('shrinkage', sa.Float(), nullable=False),
    sa.Column('concurrency', sa.Float(), nullable=False),
    sa.Column('patience_seconds', sa.Float(), nullable=True),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['pipeline_runs.id'], name=op.f('fk_forecasts_run_id_pipeline_runs')),
    sa.PrimaryKeyConstraint('run_id', 'queue_id', 'kind', 'interval_start', name=op.f('pk_forecasts'))
    )
    op.create_table('queues',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('interval_minutes', sa.Integer(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_queues_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queues'))
    )
    op.create_table('realisation',
    sa.Column('run_id', sa.String(length=32), nullable=False),
    sa.Column('queue_id', sa.String(length=64), nullable=False),
    sa.Column('interval_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('interval_minutes', sa.Integer(), nullable=False),
    sa.Column('required_fte', sa.Float(), nullable=False),
    sa.Column('actual_fte', sa.Float(), nullable=False),
    sa.Column('realisation', sa.Float(), nullable=True),
    sa.Column('in_band', sa.Boolean(), nullable=True),
    sa.Column('required_basis', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['pipeline_runs.id'], name=op.f('fk_realisation_run_id_pipeline_runs')),
    sa.PrimaryKeyConstraint('run_id', 'queue_id', 'interval_start', name=op.f('pk_realisation'))
    )
    op.create_table('requirements',
    sa.Column('run_id', sa.String(length=32), nullable=False),
    sa.Column('queue_id', sa.String(length=64), nullable=False),
    sa.Column('interval_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('interval_minutes', sa.Integer(), nullable=False),
    sa.Column('volume', sa.Float(), nullable=False),
    sa.Column('aht_seconds', sa.Float(), nullable=False),
    sa.Column('agents_net', sa.Float(), nullable=False),
    sa.Column('agents_gross', sa.Float(), nullable=False),
    sa.Column('shrinkage', sa.Float(), nullable=False),
    sa.Column('service_level', sa.Float(), nullable=True),
    sa.Column('abandon_rate', sa.Float(), nullable=True),
    sa.Column('asa_seconds', sa.Float(), nullable=True),
    sa.Column('occupancy', sa.Float(), nullable=True),
    sa.Column('p_wait', sa.Float(), nullable=True),
    sa.Column('feasible', sa.Boolean(), nullable=False),
    sa.Column('binding', sa.String(length=64), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['pipeline_runs.id'], name=op.f('fk_requirements_run_id_pipeline_runs')),
    sa.PrimaryKeyConstraint('run_id', 'queue_id', 'interval_start', name=op.f('pk_requirements'))
    )
    op.create_table('run_stages',
    sa.Column('run_id', sa.String(length=32), nullable=False),
    sa.Column('queue_id', sa.String(length=64), nullable=False),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['pipeline_runs.id'], name=op.f('fk_run_stages_run_id_pipeline_runs')),
    sa.PrimaryKeyConstraint('run_id', 'queue_id', 'stage', name=op.f('pk_run_stages'))
    )
    op.create_table('shifts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.String(length=32), nullable=False),
    sa.Column('queue_id', sa.String(length=64), nullable=False),
    sa.Column('agent_id', sa.String(length=64), nullable=True),
    sa.Column('start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_seconds', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['pipeline_runs.id'], name=op.f('fk_shifts_run_id_pipeline_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shifts'))
    )
    with op.batch_alter_table('shifts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shifts_run_id'), ['run_id'], unique=False)

    op.create_table('interval_actuals',
    sa.Column('queue_id', sa.String(length=64), nullable=False),
    sa.Column('interval_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('interval_minutes', sa.Integer(), nullable=False),
    sa.Column('offered', sa.Float(), nullable=False),
    sa.Column('answered', sa.Float(), nullable=True),
    sa.Column('abandoned', sa.Float(), nullable=True),
    sa.Column('answered_within_threshold', sa.Float(), nullable=True),
    sa.Column('handle_seconds', sa.Float(), nullable=True),
    sa.Column('wait_seconds', sa.Float(), nullable=True),
    sa.Column('abandon_wait_seconds', sa.Float(), nullable=True),
    sa.Column('concurrency', sa.Float(), nullable=True),
    sa.Column('shrinkage', sa.Float(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['imports.id'], name=op.f('fk_interval_actuals_import_id_imports')),
    sa.ForeignKeyConstraint(['queue_id'], ['queues.id'], name=op.f('fk_interval_actuals_queue_id_queues')),
    sa.PrimaryKeyConstraint('queue_id', 'interval_start', name=op.f('pk_interval_actuals'))
    )
    op.create_table('shift_activities',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('shift_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('activity', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['shift_id'], ['shifts.id'], name=op.f('fk_shift_activities_shift_id_shifts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shift_activities'))
    )
    with op.batch_alter_table('shift_activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shift_activities_shift_id'), ['shift_id'], unique=False)



def downgrade() -> None:
    
    with op.batch_alter_table('shift_activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shift_activities_shift_id'))

    op.drop_table('shift_activities')
    op.drop_table('interval_actuals')
    with op.batch_alter_table('shifts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shifts_run_id'))

    op.drop_table('shifts')
    op.drop_table('run_stages')
    op.drop_table('requirements')
    op.drop_table('realisation')
    op.drop_table('queues')
    op.drop_table('forecasts')
    op.drop_table('agents')
    op.drop_table('agent_events')
    op.drop_table('sites')
    op.drop_table('pipeline_runs')
    op.drop_table('imports')
