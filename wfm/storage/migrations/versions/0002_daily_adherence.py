"""daily adherence

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 17:39:52.117073
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('adherence_daily',
    sa.Column('run_id', sa.String(length=32), nullable=False),
    sa.Column('agent_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('queue_id', sa.String(length=64), nullable=True),
    sa.Column('scheduled_seconds', sa.Float(), nullable=False),
    sa.Column('in_adherence_seconds', sa.Float(), nullable=False),
    sa.Column('adherence', sa.Float(), nullable=False),
    sa.Column('schedule_run_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['pipeline_runs.id'], name=op.f('fk_adherence_daily_run_id_pipeline_runs')),
    sa.PrimaryKeyConstraint('run_id', 'agent_id', 'day', name=op.f('pk_adherence_daily'))
    )


def downgrade() -> None:
    
    op.drop_table('adherence_daily')
