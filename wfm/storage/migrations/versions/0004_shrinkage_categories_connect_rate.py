"""shrinkage by category (actuals and forecasts), outbound connect rate (forecasts)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 23:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('interval_actuals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shrinkage_planned', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('shrinkage_unplanned', sa.Float(), nullable=True))
    with op.batch_alter_table('forecasts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shrinkage_planned', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('shrinkage_unplanned', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('connect_rate', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('forecasts', schema=None) as batch_op:
        batch_op.drop_column('connect_rate')
        batch_op.drop_column('shrinkage_unplanned')
        batch_op.drop_column('shrinkage_planned')
    with op.batch_alter_table('interval_actuals', schema=None) as batch_op:
        batch_op.drop_column('shrinkage_unplanned')
        batch_op.drop_column('shrinkage_planned')
