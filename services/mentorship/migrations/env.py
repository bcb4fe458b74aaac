from services.mentorship.models import Base
from shared.migrations import run_env

run_env(Base.metadata)
